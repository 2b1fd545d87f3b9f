package dev.orca.collective.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.collective.RingAllReduce;
import dev.orca.collective.RingException;
import dev.orca.collective.RingOptions;
import dev.orca.collective.Transport;
import dev.orca.common.ChallengeResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A member trusts a segment only if its creator proved it knows the job secret: a segment planted
 * under the expected name by someone without the secret is refused, naming the file. The member
 * here looks in another directory than the creator, where the forgery waits for it.
 */
class SegmentAuthenticationTest {
  private static final String SECRET = "test-secret-0123456789";

  @Test
  void aSegmentSignedWithoutTheSecretIsRefused() throws Exception {
    Path creatorDir = Files.createTempDirectory(Path.of("/dev/shm"), "orca-auth-a-");
    Path memberDir = Files.createTempDirectory(Path.of("/dev/shm"), "orca-auth-b-");
    List<RingAllReduce> rings = new ArrayList<>();
    try {
      rings.add(RingAllReduce.open(options(creatorDir)));
      rings.add(RingAllReduce.open(options(memberDir)));
      List<String> addresses = List.of(rings.get(0).localAddress(), rings.get(1).localAddress());
      RingOptions o = options(memberDir);
      String name =
          SegmentMemory.fileName(
              ProcessHandle.current().pid(), GroupFormation.digest(o, addresses, 0));
      int chunk = o.chunkBytes() / Float.BYTES;
      int window = GroupMemory.window(chunk);
      byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
      ChallengeResponse wrong =
          new ChallengeResponse("another-secret".getBytes(StandardCharsets.UTF_8), "shm:ring");
      SegmentMemory forged =
          SegmentMemory.create(
              memberDir,
              name,
              2,
              window,
              chunk,
              true,
              c ->
                  GroupFormation.writeHeader(
                      c, new int[] {2, window, chunk, 0, 1}, wrong, nameBytes));
      forged.leave(0);

      List<CompletableFuture<Void>> connecting = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        int rank = r;
        connecting.add(CompletableFuture.runAsync(() -> rings.get(rank).connect(addresses, rank)));
      }
      String member = failure(connecting.get(1));
      assertTrue(
          member.contains(
              "the shared-memory segment "
                  + memberDir.resolve(name)
                  + " was not made by a worker that knows this job's secret"),
          member);
      String creator = failure(connecting.get(0));
      assertTrue(creator.contains("worker rank 1 at " + addresses.get(1)), creator);
    } finally {
      rings.forEach(RingAllReduce::close);
      for (Path dir : List.of(creatorDir, memberDir)) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path f : files.toList()) {
            Files.delete(f);
          }
        }
        Files.delete(dir);
      }
    }
    assertEquals(List.of(), mappingsOf(creatorDir, memberDir), "nothing stays mapped");
  }

  private static RingOptions options(Path dir) {
    return RingOptions.builder()
        .setSecret(SECRET)
        .optTransport(Transport.SHARED_MEMORY)
        .optSharedMemoryDirectory(dir)
        .optTimeout(Duration.ofSeconds(20))
        .optConnectTimeout(Duration.ofSeconds(5)) // how long the creator waits for the member
        .build();
  }

  private static String failure(CompletableFuture<Void> f) throws Exception {
    try {
      f.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertTrue(e.getCause() instanceof RingException, e.getCause().toString());
      return e.getCause().getMessage();
    }
    throw new AssertionError("the ring formed on a forged segment");
  }

  private static List<String> mappingsOf(Path... dirs) throws Exception {
    List<String> lines = new ArrayList<>();
    for (String l : Files.readAllLines(Path.of("/proc/self/maps"))) {
      for (Path d : dirs) {
        if (l.contains(d.toString())) {
          lines.add(l);
        }
      }
    }
    return lines;
  }
}
