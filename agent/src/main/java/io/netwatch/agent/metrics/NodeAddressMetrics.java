package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.decode.NodeAddresses;
import io.netwatch.common.metrics.FunctionMeters;

/**
 * This node's addresses as a live capture's decoder knows them: with none, no datagram on a
 * tunnel port is read as the tunnel.
 */
public final class NodeAddressMetrics implements MeterBinder {
    private final NodeAddresses addresses;

    public NodeAddressMetrics(NodeAddresses addresses) {
        this.addresses = addresses;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.gauge("netwatch.decode.node.addresses", addresses, NodeAddresses::size,
                "This node's addresses as last read from its interfaces (a tunnel is read only to or from one)");
        meters.counter("netwatch.decode.node.address.read.failures", addresses, NodeAddresses::failures,
                "Readings of this node's addresses that failed (the last one read stays)");
    }
}
