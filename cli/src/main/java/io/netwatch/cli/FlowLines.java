package io.netwatch.cli;

import io.netwatch.aggregator.policy.Connection;
import io.netwatch.aggregator.policy.Protocol;
import io.netwatch.common.TextFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The flows file of the offline policy commands: one JSON object per line with
 * {@code src_ip}, {@code dst_ip}, {@code dst_port} and {@code proto}; other fields are the
 * caller's. Read as a stream, so a file of any length runs in constant memory; a bad line is
 * an error naming the file, the line and the field.
 */
final class FlowLines {
    /** A key given twice in a line is refused, not read as its last value. */
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** One line, checked: the object as read and the connection it describes. */
    record Line(ObjectNode input, Connection connection, String where) {
    }

    @FunctionalInterface
    interface Visitor {
        void line(Line line);
    }

    private FlowLines() {
    }

    /** The name the file goes by in messages: "standard input" for "-". */
    static String name(String file) {
        return file.equals("-") ? "standard input" : file;
    }

    /** Every non-blank line of the file ("-": standard input), in order; returns how many. */
    static int read(String file, Visitor visitor) throws IOException {
        String name = name(file);
        int count = 0;
        int n = 0;
        if (!file.equals("-") && Files.isDirectory(Path.of(file))) {
            // Reading one fails only at the first read, as an IOException with a stack trace.
            throw new NetwatchMain.UserError("cannot read " + name + ": it is a directory, not a file");
        }
        try (BufferedReader in = file.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            String text;
            while ((text = in.readLine()) != null) {
                n++;
                if (text.isBlank()) {
                    continue;
                }
                visitor.line(parse(text, n, name));
                count++;
            }
        } catch (NoSuchFileException e) {
            throw new NetwatchMain.UserError("cannot read " + name + ": no such file");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new NetwatchMain.UserError(name + ": not UTF-8 text" + (n > 0 ? " (after line " + n + ")" : ""));
        } catch (java.nio.file.FileSystemException e) {
            throw e; // it names its file, as NetwatchMain says it
        } catch (IOException e) {
            // A read that failed below the file (EIO) names no file: found in review, it was
            // "I/O error: Input/output error". Said as NetwatchMain says the others, status 1.
            throw new NetwatchMain.Failed("I/O error on " + name + ": " + TextFiles.whyUnreadable(e));
        }
        return count;
    }

    static Line parse(String text, int line, String file) {
        String where = file + " line " + line + ": ";
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new NetwatchMain.UserError(where + "not JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (!(node instanceof ObjectNode object)) {
            throw new NetwatchMain.UserError(where + "not a JSON object");
        }
        byte[] src = ip(object, "src_ip", where);
        byte[] dst = ip(object, "dst_ip", where);
        if (src.length != dst.length) {
            // No packet has one IPv4 and one IPv6 address: most likely a copy-paste slip,
            // which would otherwise get a confident answer (an IPv4 ipBlock never matches).
            throw new NetwatchMain.UserError(where + "dst_ip: '" + object.get("dst_ip").asString() + "' is "
                    + family(dst) + " and src_ip is " + family(src) + ": a connection's ends are of one family");
        }
        JsonNode port = object.get("dst_port");
        if (port == null || port.isNull()) {
            throw new NetwatchMain.UserError(where + "dst_port: is missing");
        }
        if (!port.isIntegralNumber() || !port.canConvertToInt() || port.intValue() < 1 || port.intValue() > 65535) {
            throw new NetwatchMain.UserError(where + "dst_port: " + port + " is not a port number 1-65535");
        }
        JsonNode proto = object.get("proto");
        if (proto == null || proto.isNull()) {
            throw new NetwatchMain.UserError(where + "proto: is missing");
        }
        Protocol protocol = proto.isString() ? switch (proto.asString().toLowerCase(Locale.ROOT)) {
            case "tcp" -> Protocol.TCP;
            case "udp" -> Protocol.UDP;
            case "sctp" -> Protocol.SCTP;
            default -> null;
        } : null;
        if (protocol == null) {
            throw new NetwatchMain.UserError(where + "proto: " + proto + " is not \"tcp\", \"udp\" or \"sctp\"");
        }
        return new Line(object, new Connection(src, dst, port.intValue(), protocol), where);
    }

    private static String family(byte[] ip) {
        return ip.length == 4 ? "IPv4" : "IPv6";
    }

    private static byte[] ip(ObjectNode object, String field, String where) {
        JsonNode v = object.get(field);
        if (v == null || v.isNull()) {
            throw new NetwatchMain.UserError(where + field + ": is missing");
        }
        if (!v.isString()) {
            throw new NetwatchMain.UserError(where + field + ": " + v + " is not an IP address");
        }
        try {
            return Connection.literal(v.asString());
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError(where + field + ": " + e.getMessage());
        }
    }
}
