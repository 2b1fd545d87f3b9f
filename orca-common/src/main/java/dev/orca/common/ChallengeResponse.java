package dev.orca.common;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proof that the other end of a connection knows a shared job secret, without sending it: each side
 * sends a fresh random nonce, and answers with HMAC-SHA256, keyed by the secret, over both nonces
 * and what it claims (a rank, settings). An answer is worth nothing on another connection (other
 * nonces), so a recorded one cannot be replayed, nor in another protocol that uses the same secret:
 * the {@code context} (e.g. {@code "ring:" + name}, {@code "task-channel"}) is part of every proof.
 * Proofs are compared in constant time.
 */
public final class ChallengeResponse {
  public static final int NONCE_BYTES = 16;
  public static final int PROOF_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Mac mac;
  private final byte[] context;

  /** Proofs over {@code secret} (not empty) for the protocol named {@code context}. */
  public ChallengeResponse(byte[] secret, String context) {
    if (secret == null || secret.length == 0) {
      throw new IllegalArgumentException("the shared secret is missing");
    }
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
    this.context = context.getBytes(StandardCharsets.UTF_8);
  }

  /** A fresh random nonce: one per connection and side. */
  public static byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    RANDOM.nextBytes(n);
    return n;
  }

  /**
   * The proof by {@code role} (one letter per side of the protocol, so that one side's proof is
   * never valid as the other's) over the nonces {@code first} then {@code second} and {@code
   * fields}.
   */
  public synchronized byte[] proof(char role, byte[] first, byte[] second, int... fields) {
    mac.update(ByteBuffer.allocate(4).putInt(context.length).array());
    mac.update(context);
    mac.update((byte) role);
    mac.update(first);
    mac.update(second);
    ByteBuffer ints = ByteBuffer.allocate(fields.length * 4);
    for (int f : fields) {
      ints.putInt(f);
    }
    mac.update(ints.array());
    return mac.doFinal();
  }

  /** True if {@code received} is the proof {@link #proof} gives for these arguments. */
  public boolean verify(byte[] received, char role, byte[] first, byte[] second, int... fields) {
    return received != null && MessageDigest.isEqual(proof(role, first, second, fields), received);
  }
}
