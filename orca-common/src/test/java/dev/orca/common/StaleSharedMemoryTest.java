package dev.orca.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleSharedMemoryTest {
  @Test
  void namesTellTheirProcess() {
    assertEquals(1234, StaleSharedMemory.ownerPid("orca-ring-1234-0a1b2c.shm"));
    assertEquals(1234, StaleSharedMemory.ownerPid("orca-ring-1234-0a1b2c.tmp"));
    assertEquals(31609, StaleSharedMemory.ownerPid("__KMP_REGISTERED_LIB_31609_0"));
    assertEquals(31609, StaleSharedMemory.ownerPid("__KMP_REGISTERED_LIB_31609"));
    assertEquals(-1, StaleSharedMemory.ownerPid("orca-ring-1234-0a1b2c.shm.bak"));
    assertEquals(-1, StaleSharedMemory.ownerPid("sem.some-other-program"));
  }

  @Test
  void onlyTheFilesOfAKilledProcessAreRemoved(@TempDir Path dir) throws Exception {
    Process p = new ProcessBuilder("sleep", "600").start();
    long dead = p.pid();
    p.destroyForcibly();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "sleep did not die");
    long alive = ProcessHandle.current().pid();
    List<String> ofDead =
        List.of("orca-ring-" + dead + "-ab12.shm", "__KMP_REGISTERED_LIB_" + dead + "_0");
    List<String> kept =
        List.of(
            "orca-ring-" + alive + "-ab12.shm",
            "__KMP_REGISTERED_LIB_" + alive + "_0",
            "not-ours-" + dead);
    for (String f : ofDead) {
      Files.writeString(dir.resolve(f), "x");
    }
    for (String f : kept) {
      Files.writeString(dir.resolve(f), "x");
    }
    List<Path> removed = StaleSharedMemory.removeAll(dir);
    assertEquals(
        ofDead.stream().map(dir::resolve).sorted().toList(), removed.stream().sorted().toList());
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(
          kept.stream().sorted().toList(),
          left.map(f -> f.getFileName().toString()).sorted().toList());
    }
  }
}
