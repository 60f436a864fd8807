package io.netwatch.aggregator.alert;

/**
 * The alerts file cannot be used: the message names the file, the line, the key and what is
 * allowed there, so the person who wrote it can fix it without reading code.
 */
public final class AlertsConfigException extends Exception {
    public AlertsConfigException(String message) {
        super(message);
    }
}
