package io.netwatch.cli;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * An ingest server on a loopback port that ends every stream at its first message with the
 * status {@code answer} gives then: an aggregator that is there and says no, for tests of
 * what the agent says about it. Plaintext; the caller shuts it down.
 */
final class StatusAnsweringIngest {
    private StatusAnsweringIngest() {
    }

    static Server start(Supplier<Status> answer) throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new IngestGrpc.IngestImplBase() {
                    @Override
                    public StreamObserver<AgentMessage> connect(StreamObserver<AggregatorMessage> out) {
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(AgentMessage m) {
                                out.onError(answer.get().asRuntimeException());
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                            }
                        };
                    }
                }).build().start();
    }
}
