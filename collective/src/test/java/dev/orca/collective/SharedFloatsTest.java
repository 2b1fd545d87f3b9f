package dev.orca.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedFloatsTest {

  @Test
  void aBufferIsAFileOfThisProcessUntilClosed() throws Exception {
    SharedFloats shared = SharedFloats.allocate(1000, RingHarness.shm());
    Path file = shared.file();
    String name = file.getFileName().toString();
    assertTrue(
        name.matches("orca-ring-" + ProcessHandle.current().pid() + "-[0-9a-f]{16}\\.shm"), name);
    assertEquals(List.of(name), RingHarness.shmFiles());
    assertEquals(1000L * Float.BYTES, Files.size(file));
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    FloatBuffer b = shared.buffer();
    assertEquals(1000, b.capacity());
    assertEquals(ByteOrder.nativeOrder(), b.order());
    assertEquals(0f, b.get(999));
    b.put(999, 2.5f);
    assertEquals(2.5f, shared.buffer().get(999), "every view shares the memory");
    assertEquals(1, RingHarness.shmMappings().size());
    shared.close();
    shared.close(); // idempotent
    assertFalse(Files.exists(file));
    assertEquals(List.of(), RingHarness.shmMappings(), "closed: unmapped");
    assertThrows(IllegalStateException.class, shared::buffer);
  }

  @Test
  void badSizesAndDirectoriesAreNamed() {
    assertThrows(IllegalArgumentException.class, () -> SharedFloats.allocate(0));
    Path missing = RingHarness.shm().resolve("no-such-dir");
    OrcaConfigurationException e =
        assertThrows(OrcaConfigurationException.class, () -> SharedFloats.allocate(10, missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("sharedMemoryDirectory"), e.getMessage());
  }
}
