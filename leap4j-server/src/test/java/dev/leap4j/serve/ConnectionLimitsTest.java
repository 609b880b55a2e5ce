package dev.leap4j.serve;

import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.EarlyExitEncoder;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-client connection cap and the shared body budget, each refusing exactly what exceeds it. */
class ConnectionLimitsTest {
    static final String GOOD = "{\"input\": \"a short probe\"}";

    static String post(Socket s, String body) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write((HostileClientsTest.headers(body.getBytes(StandardCharsets.UTF_8).length) + body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        return HostileClientsTest.statusIfAny(s, 10_000);
    }

    @Test
    void connectionsBeyondTheCapAreClosedAndTheSlotComesBack() throws Exception {
        // before the fix, a closed connection's slot was never given back (its endpoint had forgotten the address),
        // so a client that had opened the cap's worth of connections over time was locked out for good
        ServerSettings.ClientLimits limits = new ServerSettings.ClientLimits(Duration.ofSeconds(10), 1024, 2, null, false);
        try (EarlyExitEncoder enc = TinyEncoders.create(1, 1)) {
            EmbeddingServer server = EmbeddingServer.start(enc, ServerSettings.defaults(0, ExitPolicy.fullDepth()).withClientLimits(limits));
            try (Socket a = new Socket("127.0.0.1", server.port()); Socket b = new Socket("127.0.0.1", server.port())) {
                Thread.sleep(200);
                try (Socket c = new Socket("127.0.0.1", server.port())) {
                    assertEquals("closed", HostileClientsTest.statusIfAny(c, 5_000), "a third connection from one address is closed at once");
                }
                assertEquals("200", post(a, GOOD), "the connections within the cap are served");
                a.close();
                Thread.sleep(300);
                try (Socket d = new Socket("127.0.0.1", server.port())) {
                    assertEquals("200", post(d, GOOD), "a closed connection gives its slot back");
                }
                assertEquals("200", post(b, GOOD));
                for (int i = 0; i < 5; i++) {
                    try (Socket e = new Socket("127.0.0.1", server.port())) {
                        assertEquals("200", post(e, GOOD), "connection " + i + " opened after others closed");
                    }
                    Thread.sleep(100);
                }
            } finally {
                server.close();
            }
        }
    }

    @Test
    void bodiesBeyondTheSharedBudgetAre429AndTheRestIsServed() throws Exception {
        int maxBody = 1024;
        // no minimum data rate here: the held bodies must stay in flight for the whole test
        ServerSettings.ClientLimits limits = new ServerSettings.ClientLimits(Duration.ofSeconds(20), 0, 0, null, false);
        try (EarlyExitEncoder enc = TinyEncoders.create(2, 1)) {
            ServerSettings settings = ServerSettings.defaults(0, ExitPolicy.fullDepth()).withLimits(4096, 64, 8, maxBody).withClientLimits(limits);
            EmbeddingServer server = EmbeddingServer.start(enc, settings);
            long budget = server.bodyBudgetBytes();
            int held = (int) (budget / 950) + 2; // enough 950-byte partial bodies to pass the budget
            List<Socket> holders = new ArrayList<>();
            try {
                int refused = 0;
                for (int i = 0; i < held; i++) {
                    Socket s = new Socket("127.0.0.1", server.port());
                    holders.add(s);
                    OutputStream out = s.getOutputStream();
                    out.write((HostileClientsTest.headers(1000) + "[" + " ".repeat(949)).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String status = HostileClientsTest.statusIfAny(s, 300);
                    if (status != null) {
                        assertEquals("429", status, "a body over the shared budget is refused with 429, not dropped");
                        refused++;
                    }
                }
                assertTrue(refused >= 1 && refused <= 2, refused + " of " + held + " bodies refused against a budget of " + budget + " bytes");
                // what the refused bodies held has been given back, so a small request still fits
                try (Socket good = new Socket("127.0.0.1", server.port())) {
                    assertEquals("200", post(good, GOOD), "a well-behaved request beside the held bodies");
                }
            } finally {
                for (Socket s : holders) s.close();
                server.close();
            }
        }
    }
}
