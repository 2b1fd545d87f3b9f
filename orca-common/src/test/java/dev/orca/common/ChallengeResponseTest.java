package dev.orca.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ChallengeResponseTest {
  private static final byte[] SECRET = "job-secret".getBytes(StandardCharsets.UTF_8);

  @Test
  void aProofVerifiesOnlyForTheSameSecretContextRoleNoncesAndFields() {
    ChallengeResponse mine = new ChallengeResponse(SECRET, "task-channel");
    byte[] a = ChallengeResponse.nonce();
    byte[] b = ChallengeResponse.nonce();
    byte[] proof = mine.proof('T', a, b, 3);
    assertEquals(ChallengeResponse.PROOF_BYTES, proof.length);

    assertTrue(new ChallengeResponse(SECRET, "task-channel").verify(proof, 'T', a, b, 3));
    assertFalse(
        new ChallengeResponse("other".getBytes(StandardCharsets.UTF_8), "task-channel")
            .verify(proof, 'T', a, b, 3),
        "another secret");
    assertFalse(new ChallengeResponse(SECRET, "ring:x").verify(proof, 'T', a, b, 3), "context");
    assertFalse(mine.verify(proof, 'D', a, b, 3), "the other side's role");
    assertFalse(mine.verify(proof, 'T', b, a, 3), "nonces swapped");
    assertFalse(mine.verify(proof, 'T', ChallengeResponse.nonce(), b, 3), "a fresh challenge");
    assertFalse(mine.verify(proof, 'T', a, b, 4), "another rank");
    assertFalse(mine.verify(null, 'T', a, b, 3));
    assertFalse(mine.verify(Arrays.copyOf(proof, 31), 'T', a, b, 3), "a shorter proof");
  }

  @Test
  void theProofIsHmacSha256OverTheDocumentedLayout() throws Exception {
    byte[] a = new byte[16];
    byte[] b = new byte[16];
    Arrays.fill(b, (byte) 7);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
    byte[] context = "ring:r".getBytes(StandardCharsets.UTF_8);
    mac.update(ByteBuffer.allocate(4).putInt(context.length).array());
    mac.update(context);
    mac.update((byte) 'C');
    mac.update(a);
    mac.update(b);
    mac.update(ByteBuffer.allocate(8).putInt(1).putInt(-2).array());
    assertArrayEquals(
        mac.doFinal(), new ChallengeResponse(SECRET, "ring:r").proof('C', a, b, 1, -2));
  }

  @Test
  void noncesAreFresh() {
    assertFalse(Arrays.equals(ChallengeResponse.nonce(), ChallengeResponse.nonce()));
  }

  @Test
  void anEmptySecretIsAProgrammingError() {
    assertThrows(IllegalArgumentException.class, () -> new ChallengeResponse(new byte[0], "x"));
  }
}
