package io.netwatch.aggregator.alert;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A node of the routing tree, as in Alertmanager: the top route takes every alert; an alert
 * goes down to the first child that matches (and on to later ones when that child says
 * {@code continue}); a route none of whose children match handles the alert itself. Children
 * inherit what they do not set.
 *
 * @param id             position in the tree ("route", "route.routes[0]"), part of each group's key
 * @param groupBy        labels (of {@link AlertEvent#LABEL_NAMES}) whose values make a group
 * @param groupWait      how long a new group waits for more alerts before its first notification
 * @param groupInterval  how long after a notification a group with changes notifies again
 * @param repeatInterval how long after a notification a still-firing, unchanged group notifies again
 */
public record AlertRoute(String id, AlertMatcher match, String receiver, List<String> groupBy, Duration groupWait,
                         Duration groupInterval, Duration repeatInterval, boolean continueMatching,
                         List<AlertRoute> routes) {
    public AlertRoute {
        groupBy = List.copyOf(groupBy);
        routes = List.copyOf(routes);
    }

    /** The routes that handle {@code e}: one, or several when children say continue. */
    public List<AlertRoute> select(AlertEvent e) {
        List<AlertRoute> out = new ArrayList<>();
        collect(e, out);
        return out;
    }

    private boolean collect(AlertEvent e, List<AlertRoute> out) {
        if (!match.matches(e)) {
            return false;
        }
        boolean handled = false;
        for (AlertRoute child : routes) {
            if (child.collect(e, out)) {
                handled = true;
                if (!child.continueMatching) {
                    break;
                }
            }
        }
        if (!handled) {
            out.add(this);
        }
        return true;
    }
}
