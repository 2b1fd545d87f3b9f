package dev.orca.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The deserialization allow-list: Orca's own classes and a few JDK value types in, nothing else.
 */
class SerializationTest {
  record Settings(String name, int rank, long[] counts, Duration timeout, Kind kind)
      implements Serializable {}

  enum Kind {
    A,
    B
  }

  record Holder(Object value) implements Serializable {}

  /** Not serializable: a user's layer holding a field that cannot travel. */
  record Careless(Object lock) implements Serializable {}

  @Test
  void orcaValuesAndJdkValueTypesRoundTrip() {
    Settings s = new Settings("ring", 3, new long[] {1, 2, 3}, Duration.ofSeconds(90), Kind.B);
    Settings back = Serialization.fromBytes(Serialization.toBytes(s), Settings.class, "settings");
    assertEquals("ring", back.name());
    assertEquals(3, back.rank());
    assertArrayEquals(new long[] {1, 2, 3}, back.counts());
    assertEquals(Duration.ofSeconds(90), back.timeout());
    assertEquals(Kind.B, back.kind());
  }

  @Test
  void aClassOutsideTheListIsRefusedBeforeItIsBuilt() {
    byte[] bytes = Serialization.toBytes(new Holder(new ArrayList<>(List.of("x"))));
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> Serialization.fromBytes(bytes, Holder.class, "model file's training section"));
    assertTrue(e.getMessage().contains("model file's training section"), e.getMessage());
  }

  @Test
  void anotherTypeThanAskedForIsNamed() {
    byte[] bytes = Serialization.toBytes(Kind.A);
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class, () -> Serialization.fromBytes(bytes, Settings.class, "job"));
    assertTrue(
        e.getMessage().contains(Kind.class.getName())
            && e.getMessage().contains(Settings.class.getName()),
        e.getMessage());
  }

  @Test
  void anArrayClaimingMoreElementsThanTheInputHoldsIsRefused() throws Exception {
    Settings s = new Settings("x", 0, new long[] {7}, Duration.ZERO, Kind.A);
    byte[] bytes = Serialization.toBytes(s);
    // the long[] of one element is written as its class descriptor, then the length 1, then 8 bytes
    int at = indexOf(bytes, new byte[] {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7});
    assertTrue(at > 0, "the array's length field was found");
    ByteBuffer.wrap(bytes)
        .putInt(at, 1 << 30); // 8 GiB of longs: more than the heap, were it allocated
    assertThrows(
        OrcaDataException.class, () -> Serialization.fromBytes(bytes, Settings.class, "job"));
  }

  @Test
  void aMalformedStreamThatFailsInsideTheReaderIsADataError() {
    Settings s = new Settings("x", 0, new long[] {7}, Duration.ZERO, Kind.A);
    byte[] negative = Serialization.toBytes(s);
    int at = indexOf(negative, new byte[] {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7});
    ByteBuffer.wrap(negative).putInt(at, -2147483647); // the JDK allocates before it checks
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () ->
                Serialization.fromBytes(negative, Settings.class, "model file's training section"));
    assertTrue(
        e.getMessage().startsWith("the model file's training section cannot be read")
            && e.getMessage().contains("NegativeArraySizeException"),
        e.getMessage());

    byte[] rejected = Serialization.toBytes(new Holder(new ArrayList<>(List.of("x"))));
    e =
        assertThrows(
            OrcaDataException.class, () -> Serialization.fromBytes(rejected, Holder.class, "job"));
    assertTrue(
        e.getMessage().contains("holds an instance of java.util.ArrayList, which this reader does"),
        "a refused class is named, not called a version mismatch: " + e.getMessage());
  }

  @Test
  void aRegisteredClassIsAcceptedAndNothingElseWithIt() {
    com.example.orcauser.Reach reach = new com.example.orcauser.Reach(3);
    byte[] before = Serialization.toBytes(new Holder(reach));
    OrcaDataException refused =
        assertThrows(
            OrcaDataException.class,
            () -> Serialization.fromBytes(before, Holder.class, "model file's architecture"));
    assertTrue(
        refused.getMessage().contains("holds an instance of com.example.orcauser.Reach")
            && refused.getMessage().contains("Serialization.register"),
        refused.getMessage());

    Serialization.register(com.example.orcauser.Reach.class);
    Holder back =
        Serialization.fromBytes(
            Serialization.toBytes(new Holder(new com.example.orcauser.Reach[] {reach})),
            Holder.class,
            "model file's architecture");
    assertEquals(3, ((com.example.orcauser.Reach[]) back.value())[0].steps());
    assertTrue(Serialization.registeredNames().contains("com.example.orcauser.Reach"));

    // neither its subclass nor another class of its package comes in with it
    for (Object other :
        List.of(
            new com.example.orcauser.Reach.Farther(4), new com.example.orcauser.Unregistered())) {
      byte[] bytes = Serialization.toBytes(new Holder(other));
      OrcaDataException e =
          assertThrows(
              OrcaDataException.class, () -> Serialization.fromBytes(bytes, Holder.class, "job"));
      assertTrue(e.getMessage().contains(other.getClass().getName()), e.getMessage());
    }
  }

  @Test
  void onlyConcreteSerializableClassesCanBeRegisteredAndNamesMustBeLoadable() {
    OrcaConfigurationException abstractClass =
        assertThrows(OrcaConfigurationException.class, () -> Serialization.register(Number.class));
    assertTrue(abstractClass.getMessage().contains("java.lang.Number"), abstractClass.getMessage());
    OrcaConfigurationException missing =
        assertThrows(
            OrcaConfigurationException.class,
            () -> Serialization.registerNames(List.of("com.example.orcauser.Gone")));
    assertTrue(
        missing.getMessage().contains("com.example.orcauser.Gone")
            && missing.getMessage().contains("ship the jar"),
        missing.getMessage());
  }

  @Test
  void somethingThatCannotBeSerializedIsAConfigurationError() {
    OrcaConfigurationException e =
        assertThrows(
            OrcaConfigurationException.class,
            () -> Serialization.toBytes(new Careless(new Object())));
    assertTrue(e.getMessage().contains("Serializable"), e.getMessage());
  }

  @Test
  void aDeepCopyIsEqualButNotTheSame() throws Exception {
    Settings s = new Settings("copy", 1, new long[] {5}, Duration.ofMillis(5), Kind.A);
    Settings c = Serialization.copy(s);
    assertEquals(s.name(), c.name());
    assertArrayEquals(s.counts(), c.counts());
    assertTrue(s.counts() != c.counts());
    // and plain Java serialization of the same value is what the reader expects
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(plain)) {
      out.writeObject(s);
    }
    assertEquals(
        "copy", Serialization.fromBytes(plain.toByteArray(), Settings.class, "plain").name());
  }

  private static int indexOf(byte[] data, byte[] part) {
    outer:
    for (int i = 0; i + part.length <= data.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (data[i + j] != part[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
