package io.netwatch.agent.score;

import java.time.Duration;

/**
 * Settings of the Threshold Random Walk scan detector (Jung, Paxson, Berger, Balakrishnan,
 * "Fast Portscan Detection Using Sequential Hypothesis Testing", IEEE S&amp;P 2004).
 *
 * <p>Each first contact (a new destination for {@code ip_sweep}, a new port of one
 * destination for {@code port_scan}) is a Bernoulli trial: it succeeds with probability
 * {@code benignSuccess} (θ0) for a benign source and {@code scannerSuccess} (θ1) for a
 * scanner. The walk adds ln(θ1/θ0) on a success and ln((1−θ1)/(1−θ0)) on a failure; it
 * calls the source a scanner at ln(η1) = ln(PD/PF) and benign at ln(η0) = ln((1−PD)/(1−PF)),
 * where PF is {@code falsePositiveRate} and PD {@code detectionRate}.
 *
 * @param benignSuccess     θ0: probability that a benign source's first contact succeeds
 * @param scannerSuccess    θ1: the same for a scanner; below θ0
 * @param falsePositiveRate PF (α): the rate of benign sources called scanners the thresholds aim for
 * @param detectionRate     PD (β): the rate of scanners detected the thresholds aim for
 * @param cooldown          after an anomaly, the same walk reports again only this much later (capture time)
 * @param maxWalks          walks (one per source for sweeps, per source and destination for port scans)
 *                          tracked at once; the least recently used is evicted and counted
 * @param maxContacts       first contacts remembered; evicted ones may count as first contacts again
 * @param maxEvidence       most flow ids kept as evidence per anomaly
 */
public record ScanConfig(double benignSuccess, double scannerSuccess, double falsePositiveRate, double detectionRate,
                         Duration cooldown, int maxWalks, int maxContacts, int maxEvidence) {
    public ScanConfig {
        if (!(scannerSuccess > 0 && scannerSuccess < benignSuccess && benignSuccess < 1)) {
            // Named by the keys users set (--detect, detect.overrides; docs/detection.md).
            throw new IllegalArgumentException("scan detector needs 0 < scan.theta1 (a scanner's success rate) < "
                    + "scan.theta0 (a benign host's) < 1, got scan.theta1=" + scannerSuccess + " and scan.theta0="
                    + benignSuccess);
        }
        if (!(falsePositiveRate > 0 && falsePositiveRate < detectionRate && detectionRate < 1)) {
            throw new IllegalArgumentException("scan detector needs 0 < scan.pf (false positive rate) < scan.pd "
                    + "(detection rate) < 1, got scan.pf=" + falsePositiveRate + " and scan.pd=" + detectionRate);
        }
        if (cooldown.isNegative() || maxWalks < 1 || maxContacts < 1 || maxEvidence < 0) {
            throw new IllegalArgumentException(
                    "scan detector needs cooldown >= 0, maxWalks >= 1, maxContacts >= 1 and maxEvidence >= 0");
        }
    }

    /** θ0 = 0.8, θ1 = 0.2 (Jung et al.), PF = 0.001, PD = 0.99: five straight failures call a scan. */
    public static ScanConfig defaults() {
        return new ScanConfig(0.8, 0.2, 0.001, 0.99, Duration.ofMinutes(10), 16_384, 262_144, 20);
    }

    /** ln η1: the walk's upper threshold (scanner). */
    public double upperThreshold() {
        return Math.log(detectionRate / falsePositiveRate);
    }

    /** ln η0: the walk's lower threshold (benign); negative. */
    public double lowerThreshold() {
        return Math.log((1 - detectionRate) / (1 - falsePositiveRate));
    }

    /** Step of a successful first contact: ln(θ1/θ0), negative. */
    public double successStep() {
        return Math.log(scannerSuccess / benignSuccess);
    }

    /** Step of a failed first contact: ln((1−θ1)/(1−θ0)), positive. */
    public double failureStep() {
        return Math.log((1 - scannerSuccess) / (1 - benignSuccess));
    }

    /** Failures in a row from a fresh walk that cross the upper threshold. */
    public int failuresToDetect() {
        return (int) Math.ceil(upperThreshold() / failureStep() - 1e-9);
    }
}
