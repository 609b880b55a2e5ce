package dev.leap4j.serve;

import io.javalin.http.Context;
import org.eclipse.jetty.io.Connection;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who may use the server and how much of it: the API key check and the per-address connection cap.
 * The key is compared as SHA-256 digests with {@link MessageDigest#isEqual}, so the time taken says nothing
 * about how much of a guess was right, not even its length.
 */
final class ClientGuard implements Connection.Listener {
    private final byte[] keyDigest;   // null: no key required
    private final int maxConnectionsPerClient;
    private final ConcurrentHashMap<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();
    // the address each counted connection was counted under: once a connection is closed its endpoint no longer
    // knows the remote address, and a slot not given back would lock the client out for good
    private final ConcurrentHashMap<Connection, InetAddress> counted = new ConcurrentHashMap<>();

    ClientGuard(String apiKey, int maxConnectionsPerClient) {
        this.keyDigest = apiKey == null ? null : sha256(apiKey);
        this.maxConnectionsPerClient = maxConnectionsPerClient;
    }

    /** Throws 401 unless the request carries {@code Authorization: Bearer <key>} (when a key is set). */
    void authorize(Context ctx) {
        if (keyDigest == null) return;
        String h = ctx.header("Authorization");
        String presented = h != null && h.length() > 7 && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : "";
        if (!MessageDigest.isEqual(sha256(presented), keyDigest)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw ApiException.unauthorized("missing or wrong API key: send the header Authorization: Bearer <key>");
        }
    }

    @Override
    public void onOpened(Connection c) {
        if (maxConnectionsPerClient <= 0) return;
        InetAddress a = address(c);
        if (a == null) return;
        counted.put(c, a);
        int n = open.computeIfAbsent(a, k -> new AtomicInteger()).incrementAndGet();
        if (n > maxConnectionsPerClient) c.getEndPoint().close(); // onClosed gives the slot back
    }

    @Override
    public void onClosed(Connection c) {
        if (maxConnectionsPerClient <= 0) return;
        InetAddress a = counted.remove(c);
        if (a == null) return;
        open.computeIfPresent(a, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
    }

    private static InetAddress address(Connection c) {
        SocketAddress s = c.getEndPoint().getRemoteSocketAddress();
        return s instanceof InetSocketAddress i ? i.getAddress() : null;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
