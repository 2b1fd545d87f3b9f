package dev.orca.data;

import dev.orca.OrcaConfigurationException;
import java.util.ArrayList;
import java.util.List;

/**
 * Assigns shards to a set of actors (training workers): every actor gets the same number of shards
 * give or take one, and a shard goes to an actor on the node that holds it whenever the balance
 * allows, so most bytes are read from the local object store.
 */
public final class ShardPlacement {
  private ShardPlacement() {}

  /**
   * The Ray node the caller runs on, as {@link RayShard#nodeId()} names nodes: what an actor
   * reports so that shards can be placed beside it. {@code "local"} in Ray's LOCAL mode.
   */
  public static String currentNodeId() {
    return dev.orca.data.internal.RayHandOver.nodeId();
  }

  /** The shards of each actor, in actor order. */
  public static List<List<RayShard>> assign(List<RayShard> shards, List<String> actorNodes) {
    int[] actorOf = actorPerShard(shards.stream().map(RayShard::nodeId).toList(), actorNodes);
    List<List<RayShard>> out = new ArrayList<>();
    for (int a = 0; a < actorNodes.size(); a++) {
      out.add(new ArrayList<>());
    }
    for (int s = 0; s < actorOf.length; s++) {
      out.get(actorOf[s]).add(shards.get(s));
    }
    return out;
  }

  /**
   * For each shard (given by the node it lies on), the index of the actor it goes to (actors given
   * by the node each runs on).
   */
  public static int[] actorPerShard(List<String> shardNodes, List<String> actorNodes) {
    int k = actorNodes.size();
    if (k == 0) {
      throw new OrcaConfigurationException(
          "no actors to assign " + shardNodes.size() + " shards to");
    }
    int n = shardNodes.size();
    int base = n / k;
    int extra = n % k; // this many actors take one shard more than base
    int[] load = new int[k];
    int[] actorOf = new int[n];
    java.util.Arrays.fill(actorOf, -1);
    // pass 1: local shards up to the base count; 2: local shards in the extra slots; 3: the rest
    // anywhere
    for (int pass = 1; pass <= 3; pass++) {
      for (int s = 0; s < n; s++) {
        if (actorOf[s] >= 0) {
          continue;
        }
        int best = -1;
        for (int a = 0; a < k; a++) {
          boolean local = actorNodes.get(a).equals(shardNodes.get(s));
          boolean fits = load[a] < base || (pass >= 2 && load[a] == base && extra > 0);
          if ((local || pass == 3) && fits && (best < 0 || load[a] < load[best])) {
            best = a;
          }
        }
        if (best >= 0) {
          if (load[best] == base) {
            extra--;
          }
          load[best]++;
          actorOf[s] = best;
        }
      }
    }
    return actorOf;
  }
}
