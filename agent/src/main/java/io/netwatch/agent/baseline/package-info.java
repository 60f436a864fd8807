/**
 * The agent's copy of the baselines the aggregator learned per workload edge, streamed on the
 * ingest stream ({@link io.netwatch.agent.baseline.BaselineCopy}), and the naming of a flow's
 * ends the way the aggregator names them ({@link io.netwatch.agent.baseline.EdgeNamer}), so
 * that {@code agent.score.VolumeSpikeDetector} can compare an edge's volume with what was
 * learned. Updates arrive on the stream's thread; lookups come from the capture thread, one
 * per final flow record, and read an immutable copy swapped in one step.
 */
package io.netwatch.agent.baseline;
