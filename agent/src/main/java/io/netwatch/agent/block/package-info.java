/**
 * Enforce: node-level drops ordered by the aggregator, installed in nftables.
 *
 * <p>The agent owns two tables, {@code inet netwatch} (routed pod networking: every packet
 * the node routes, receives or sends) and {@code bridge netwatch} (pods on a {@code cni0}-style
 * bridge, which never reach the IP layer), and never touches anyone else's. A block is an
 * element with a timeout in a named set, so it expires by itself even if the agent dies.
 * Nothing here runs on the capture thread: commands are checked on the stream's thread and
 * applied on the blocker's own thread. docs/blocking.md ("On the node") is the user's view.
 */
package io.netwatch.agent.block;
