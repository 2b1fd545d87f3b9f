package dev.orca.launcher.barrier;

import dev.orca.common.ChallengeResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The lines that admit a task to the driver's {@link TaskChannel}: a mutual challenge-response over
 * the job secret ({@link ChallengeResponse} proofs in the context {@code "task-channel"}), so the
 * secret never travels, a recorded answer is worthless on any other connection, and no proof from
 * the ring (same secret, another context) passes here.
 *
 * <pre>
 * driver -> task    ORCA-TASK-CHANNEL 1 nonceD       (or BUSY: every handshake slot is taken)
 * task   -> driver  HELLO rank nonceT proof('T', nonceD, nonceT, rank)
 * driver -> task    WELCOME proof('D', nonceT, nonceD, rank)      (or REFUSED why)
 * </pre>
 *
 * Nonces and proofs travel as hex; no handshake line is longer than {@link #MAX_HANDSHAKE_LINE}
 * bytes, so neither end reads more than that from a stranger.
 */
final class ChannelHandshake {
  static final String PROTOCOL = "ORCA-TASK-CHANNEL";
  static final int VERSION = 1;
  static final String BUSY = "BUSY";
  static final String REFUSED = "REFUSED ";
  static final int MAX_HANDSHAKE_LINE = 256;

  /** The longest line after the handshake, in bytes (the messages are far shorter). */
  static final int MAX_LINE = 64 * 1024;

  private static final HexFormat HEX = HexFormat.of();
  private static final String CHALLENGE_PREFIX = PROTOCOL + " " + VERSION + " ";

  private final ChallengeResponse proofs;

  ChannelHandshake(String secret) {
    this.proofs = new ChallengeResponse(secret.getBytes(StandardCharsets.UTF_8), "task-channel");
  }

  /** A task's hello, well formed but not yet verified. */
  record Hello(int rank, byte[] nonceT, byte[] proof) {}

  // the driver's side

  static String challenge(byte[] nonceD) {
    return CHALLENGE_PREFIX + HEX.formatHex(nonceD);
  }

  /** The hello in {@code line}, or null if it is not one. */
  static Hello parseHello(String line) {
    String[] p = line.split(" ", -1);
    if (p.length != 4 || !"HELLO".equals(p[0])) {
      return null;
    }
    try {
      int rank = Integer.parseInt(p[1]);
      byte[] nonceT = bytes(p[2], ChallengeResponse.NONCE_BYTES);
      byte[] proof = bytes(p[3], ChallengeResponse.PROOF_BYTES);
      return rank < 0 || nonceT == null || proof == null ? null : new Hello(rank, nonceT, proof);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  boolean taskProven(Hello hello, byte[] nonceD) {
    return proofs.verify(hello.proof(), 'T', nonceD, hello.nonceT(), hello.rank());
  }

  String welcome(Hello hello, byte[] nonceD) {
    return "WELCOME " + HEX.formatHex(proofs.proof('D', hello.nonceT(), nonceD, hello.rank()));
  }

  // the task's side

  /** The driver's nonce in a challenge line, or null if it is not one. */
  static byte[] parseChallenge(String line) {
    return line != null && line.startsWith(CHALLENGE_PREFIX)
        ? bytes(line.substring(CHALLENGE_PREFIX.length()), ChallengeResponse.NONCE_BYTES)
        : null;
  }

  String hello(int rank, byte[] nonceD, byte[] nonceT) {
    return "HELLO "
        + rank
        + " "
        + HEX.formatHex(nonceT)
        + " "
        + HEX.formatHex(proofs.proof('T', nonceD, nonceT, rank));
  }

  /** True if {@code line} is a welcome that proves the driver knows the secret. */
  boolean driverProven(String line, int rank, byte[] nonceT, byte[] nonceD) {
    if (line == null || !line.startsWith("WELCOME ")) {
      return false;
    }
    byte[] proof = bytes(line.substring("WELCOME ".length()), ChallengeResponse.PROOF_BYTES);
    return proofs.verify(proof, 'D', nonceT, nonceD, rank);
  }

  private static byte[] bytes(String hex, int length) {
    if (hex.length() != 2 * length) {
      return null;
    }
    try {
      return HEX.parseHex(hex);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
