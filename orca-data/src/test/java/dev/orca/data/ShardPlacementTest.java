package dev.orca.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShardPlacementTest {
  @Test
  void localShardsStayLocalWhileTheCountsStayEven() {
    int[] actorOf =
        ShardPlacement.actorPerShard(List.of("A", "A", "A", "A", "B", "B"), List.of("A", "B"));
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, actorOf);
  }

  @Test
  void theExtraShardGoesWhereItIsLocal() {
    int[] actorOf =
        ShardPlacement.actorPerShard(
            List.of("B", "A", "A", "A", "A", "A", "A"), List.of("A", "A", "B"));
    assertEquals(2, actorOf[0], "B's only shard stays on B");
    // the A actors take 2 + 2 and the extra one, B its own and one more: 6 of 7 local
    assertEquals(
        6, locality(List.of("B", "A", "A", "A", "A", "A", "A"), List.of("A", "A", "B"), actorOf));
    assertBalanced(actorOf, 3);
  }

  @Test
  void fewerShardsThanActorsAndNoActorsAtAll() {
    assertArrayEquals(
        new int[] {1}, ShardPlacement.actorPerShard(List.of("B"), List.of("A", "B", "C")));
    assertEquals(0, ShardPlacement.actorPerShard(List.of(), List.of("A")).length);
    assertThrows(
        OrcaConfigurationException.class,
        () -> ShardPlacement.actorPerShard(List.of("A"), List.of()));
  }

  /**
   * Against every possible assignment of small cases: always balanced, and as local as balance
   * allows.
   */
  @Test
  void asLocalAsAnyBalancedAssignmentCanBe() {
    Random random = new Random(3);
    for (int trial = 0; trial < 300; trial++) {
      int n = random.nextInt(8);
      int k = 1 + random.nextInt(3);
      List<String> shards = nodes(random, n);
      List<String> actors = nodes(random, k);
      int[] actorOf = ShardPlacement.actorPerShard(shards, actors);
      assertBalanced(actorOf, k);
      assertEquals(
          bestLocality(shards, actors, new int[n], 0),
          locality(shards, actors, actorOf),
          "shards " + shards + ", actors " + actors);
    }
  }

  private static List<String> nodes(Random random, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("node" + random.nextInt(3));
    }
    return out;
  }

  private static int bestLocality(
      List<String> shards, List<String> actors, int[] assignment, int next) {
    if (next == shards.size()) {
      return balanced(assignment, actors.size()) ? locality(shards, actors, assignment) : -1;
    }
    int best = -1;
    for (int a = 0; a < actors.size(); a++) {
      assignment[next] = a;
      best = Math.max(best, bestLocality(shards, actors, assignment, next + 1));
    }
    return best;
  }

  private static int locality(List<String> shards, List<String> actors, int[] actorOf) {
    int local = 0;
    for (int s = 0; s < actorOf.length; s++) {
      local += actors.get(actorOf[s]).equals(shards.get(s)) ? 1 : 0;
    }
    return local;
  }

  private static boolean balanced(int[] actorOf, int k) {
    int[] load = new int[k];
    for (int a : actorOf) {
      load[a]++;
    }
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (int l : load) {
      min = Math.min(min, l);
      max = Math.max(max, l);
    }
    return max - min <= 1;
  }

  private static void assertBalanced(int[] actorOf, int k) {
    assertTrue(balanced(actorOf, k), java.util.Arrays.toString(actorOf));
  }
}
