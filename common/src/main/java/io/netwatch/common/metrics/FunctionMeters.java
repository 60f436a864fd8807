package io.netwatch.common.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.ToDoubleFunction;

/**
 * The meters a {@code MeterBinder} reads from the object it describes when the registry is
 * scraped (Micrometer's {@link FunctionCounter} and {@link Gauge}), one call each: name, the
 * object, the function that reads it, what it means, and its tags as key-value pairs. Nothing
 * is counted here: the object counts, and a scrape reads it. Meters with a base unit or a
 * histogram are built with Micrometer's builders directly.
 */
public final class FunctionMeters {
    private final MeterRegistry registry;

    public FunctionMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * A monotonic count read from {@code source}.
     *
     * @param tags label names and values, alternately; an odd number is an {@link IllegalArgumentException}
     */
    public <T> void counter(String name, T source, ToDoubleFunction<T> count, String description, String... tags) {
        FunctionCounter.builder(name, source, count).tags(Tags.of(tags)).description(description).register(registry);
    }

    /**
     * A value read from {@code source} that goes up and down.
     *
     * @param tags label names and values, alternately; an odd number is an {@link IllegalArgumentException}
     */
    public <T> void gauge(String name, T source, ToDoubleFunction<T> value, String description, String... tags) {
        Gauge.builder(name, source, value).tags(Tags.of(tags)).description(description).register(registry);
    }
}
