package io.netwatch.agent.block;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the blocks in force from {@code nft -j list table inet TABLE}: each element of the
 * agent's four sets, with the seconds it has left. Unknown sets and elements it cannot read
 * are skipped and counted, never thrown.
 */
final class NftState {
    /** The blocks found, each with the milliseconds left before it expires by itself. */
    final Map<BlockTarget, Long> remainingMillis = new HashMap<>();
    /** Elements that could not be read (an unexpected form). */
    int unreadable;

    private NftState() {
    }

    /** @throws IllegalArgumentException when the text is not nft's JSON at all */
    static NftState parse(String json) {
        NftState state = new NftState();
        JsonArray items;
        try {
            JsonElement root = JsonParser.parseString(json);
            if (!root.isJsonObject() || !root.getAsJsonObject().has("nftables")) {
                throw new IllegalArgumentException("not nft JSON: no \"nftables\" array");
            }
            items = root.getAsJsonObject().getAsJsonArray("nftables");
        } catch (JsonParseException | IllegalStateException | ClassCastException e) {
            throw new IllegalArgumentException("not nft JSON: " + e.getMessage());
        }
        for (JsonElement item : items) {
            if (!item.isJsonObject() || !item.getAsJsonObject().has("set")) {
                continue;
            }
            try {
                JsonObject set = item.getAsJsonObject().getAsJsonObject("set");
                String name = set.has("name") ? set.get("name").getAsString() : "";
                if (!name.matches("(addr|port)[46]") || !set.has("elem")) {
                    continue;
                }
                for (JsonElement e : set.getAsJsonArray("elem")) {
                    state.read(e);
                }
            } catch (RuntimeException bad) {
                // a set of a shape nft does not print: counted, the other sets still read
                state.unreadable++;
            }
        }
        return state;
    }

    private void read(JsonElement e) {
        try {
            JsonObject elem = e.getAsJsonObject().getAsJsonObject("elem");
            JsonElement val = elem.get("val");
            BlockTarget target;
            if (val.isJsonPrimitive()) {
                target = BlockTarget.of(InetAddress.ofLiteral(val.getAsString()));
            } else {
                JsonArray concat = val.getAsJsonObject().getAsJsonArray("concat");
                target = new BlockTarget(InetAddress.ofLiteral(concat.get(0).getAsString()),
                        protocol(concat.get(1).getAsString()), concat.get(2).getAsInt());
            }
            long expires = elem.has("expires") ? elem.get("expires").getAsLong() : 0;
            remainingMillis.merge(target, expires * 1000, Math::max);
        } catch (RuntimeException bad) {
            unreadable++;
        }
    }

    /** nft prints known protocols by name. */
    private static int protocol(String p) {
        return switch (p) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "dccp" -> 33;
            case "sctp" -> 132;
            default -> Integer.parseInt(p);
        };
    }
}
