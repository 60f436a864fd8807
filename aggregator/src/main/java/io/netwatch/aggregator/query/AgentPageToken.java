package io.netwatch.aggregator.query;

import io.netwatch.aggregator.ingest.IngestService;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * GetAgents' page token: the node name of the last agent of the page, which the next page
 * goes on after (agents are listed by node name). Opaque to clients, as paging tokens are
 * (AIP-158), so that what it holds may change; a token this API did not give is refused.
 */
final class AgentPageToken {
    private static final String PREFIX = "after:";
    /**
     * Longest token given: the prefix and a node name of {@link IngestService#MAX_NODE_NAME}
     * characters, 4 bytes of UTF-8 each at most.
     */
    private static final int MAX_TOKEN_CHARS = 4 * (PREFIX.length() + 4 * IngestService.MAX_NODE_NAME) / 3 + 4;

    private AgentPageToken() {
    }

    static String encode(String lastNodeName) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PREFIX + lastNodeName).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The node name the page goes on after; null for an empty token (the first page).
     *
     * @throws IllegalArgumentException for a token this API did not give, saying what to pass
     */
    static String decode(String token) {
        if (token.isEmpty()) {
            return null;
        }
        String text = null;
        if (token.length() <= MAX_TOKEN_CHARS) {
            try {
                text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                text = null;
            }
        }
        if (text == null || !text.startsWith(PREFIX) || text.length() == PREFIX.length()) {
            throw new IllegalArgumentException("page_token is not one this API gave: pass the previous answer's "
                    + "next_page_token as it came, or leave page_token empty for the first page");
        }
        return text.substring(PREFIX.length());
    }
}
