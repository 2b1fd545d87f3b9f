package dev.orca.collective.internal;

import dev.orca.collective.Compression;
import dev.orca.common.ChallengeResponse;
import java.nio.ByteBuffer;

/**
 * The messages that admit a worker into the ring: a mutual challenge-response over the job secret
 * (HMAC-SHA256 with fresh nonces, so the secret never travels and a recorded handshake cannot be
 * replayed), and the ring facts both sides must agree on.
 *
 * <pre>
 * connector -> acceptor  HELLO      magic, version, nonceC
 * acceptor  -> connector CHALLENGE  magic, version, nonceA, mac("A", nonceC, nonceA)
 * connector -> acceptor  PROOF      fromRank, toRank, size, chunkBytes, compression,
 *                                   mac("C", nonceA, nonceC, those five)
 * acceptor  -> connector VERDICT    OK or why not
 * </pre>
 *
 * The macs are {@link ChallengeResponse} proofs with the context {@code "ring:" + name}: two rings
 * of one job cannot cross, and no proof of the driver's task channel (same job secret, another
 * context) is valid here. Version 2 moved to that context.
 */
final class Handshake {
  static final long MAGIC = 0x4f52_4341_5249_4e47L; // "ORCARING"
  static final int VERSION = 2;
  static final int NONCE_BYTES = ChallengeResponse.NONCE_BYTES;
  static final int MAC_BYTES = ChallengeResponse.PROOF_BYTES;
  static final int HELLO_BYTES = 8 + 4 + NONCE_BYTES;
  static final int CHALLENGE_BYTES = 8 + 4 + NONCE_BYTES + MAC_BYTES;
  static final int PROOF_BYTES = 5 * 4 + MAC_BYTES;
  static final int VERDICT_BYTES = 4;

  static final int OK = 0;
  static final int WRONG_SECRET = 1;
  static final int WRONG_RANK = 2;
  static final int WRONG_SETTINGS = 3;
  static final int DUPLICATE = 4;

  private final ChallengeResponse proofs;
  final int chunkBytes;
  final int compression;

  Handshake(byte[] secret, String ringName, int chunkBytes, int compression) {
    this.proofs = new ChallengeResponse(secret, "ring:" + ringName);
    this.chunkBytes = chunkBytes;
    this.compression = compression;
  }

  byte[] nonce() {
    return ChallengeResponse.nonce();
  }

  static ByteBuffer hello(byte[] nonceC) {
    return ByteBuffer.allocate(HELLO_BYTES).putLong(MAGIC).putInt(VERSION).put(nonceC).flip();
  }

  ByteBuffer challenge(byte[] nonceC, byte[] nonceA) {
    return ByteBuffer.allocate(CHALLENGE_BYTES)
        .putLong(MAGIC)
        .putInt(VERSION)
        .put(nonceA)
        .put(mac('A', nonceC, nonceA))
        .flip();
  }

  ByteBuffer proof(byte[] nonceA, byte[] nonceC, int fromRank, int toRank, int size) {
    ByteBuffer b = ByteBuffer.allocate(PROOF_BYTES);
    b.putInt(fromRank).putInt(toRank).putInt(size).putInt(chunkBytes).putInt(compression);
    return b.put(mac('C', nonceA, nonceC, fromRank, toRank, size, chunkBytes, compression)).flip();
  }

  static ByteBuffer verdict(int code) {
    return ByteBuffer.allocate(VERDICT_BYTES).putInt(code).flip();
  }

  /** True if a received CHALLENGE proves the acceptor knows the secret. */
  boolean acceptorProven(byte[] nonceC, byte[] nonceA, byte[] receivedMac) {
    return proofs.verify(receivedMac, 'A', nonceC, nonceA);
  }

  /** True if a received PROOF (its five ints as sent) proves the connector knows the secret. */
  boolean connectorProven(byte[] nonceA, byte[] nonceC, int[] fields, byte[] receivedMac) {
    return proofs.verify(receivedMac, 'C', nonceA, nonceC, fields);
  }

  private byte[] mac(char role, byte[] first, byte[] second, int... fields) {
    return proofs.proof(role, first, second, fields);
  }

  /** "NONE", "FP16", ... for a compression ordinal as sent in a PROOF. */
  static String compressionName(int ordinal) {
    Compression[] all = Compression.values();
    return ordinal >= 0 && ordinal < all.length ? all[ordinal].name() : "#" + ordinal;
  }

  /** The first bytes of a message, in hex, for the log line about a stray connection. */
  static String firstBytes(ByteBuffer b) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(8, b.position()); i++) {
      s.append(String.format("%02x ", b.get(i)));
    }
    return s.toString().trim();
  }
}
