/**
 * The agent's copy of who holds each address in the cluster, streamed by the aggregator
 * ({@link io.netwatch.agent.identity.IdentityUpdates} validates and applies it into the
 * bounded {@link io.netwatch.agent.identity.IdentityCache}), and the labelling of exported
 * flows with it ({@link io.netwatch.agent.identity.FlowIdentities}). Nothing here runs on the
 * capture thread: updates arrive on the stream's thread, labelling happens once per flow in
 * the export thread.
 */
package io.netwatch.agent.identity;
