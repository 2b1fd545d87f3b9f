package dev.orca.collective.internal;

import dev.orca.OrcaConfigurationException;
import dev.orca.collective.Transport;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which transport a ring runs, decided from every worker's {@link Site} the same way on every
 * worker: the hosts (runs of consecutive ranks that can share memory), and for each host whether
 * its workers share one JVM. The sum is folded in rank order whatever the plan, which is why a
 * host's ranks must be consecutive for the hierarchical scheme: its workers then fold their values
 * onto the partial sum of the hosts before it.
 */
public final class Placement {
  private final Transport transport;
  private final int[] hostFirst;
  private final int[] hostSize;
  private final int[] hostOfRank;
  private final boolean[] hostInJvm;
  private final String why;

  private Placement(Transport transport, List<int[]> hosts, boolean[] inJvm, int n, String why) {
    this.transport = transport;
    this.hostFirst = new int[hosts.size()];
    this.hostSize = new int[hosts.size()];
    this.hostOfRank = new int[n];
    for (int h = 0; h < hosts.size(); h++) {
      hostFirst[h] = hosts.get(h)[0];
      hostSize[h] = hosts.get(h)[1];
      for (int r = hostFirst[h]; r < hostFirst[h] + hostSize[h]; r++) {
        hostOfRank[r] = h;
      }
    }
    this.hostInJvm = inJvm;
    this.why = why;
  }

  /** A ring of one worker: nothing moves. */
  static Placement single() {
    return new Placement(Transport.IN_JVM, List.of(new int[] {0, 1}), new boolean[] {true}, 1, "");
  }

  /**
   * The plan for workers at {@code sites} (in rank order), each named in messages by {@code
   * addresses}. Throws {@link OrcaConfigurationException} when the workers ask for different
   * transports or for one their placement does not allow.
   */
  static Placement plan(List<Site> sites, List<String> addresses) {
    int n = sites.size();
    Transport asked = sites.get(0).asked();
    for (int r = 1; r < n; r++) {
      if (sites.get(r).asked() != asked) {
        throw new OrcaConfigurationException(
            "worker rank "
                + r
                + " at "
                + addresses.get(r)
                + " asks for transport "
                + sites.get(r).asked()
                + ", worker rank 0 at "
                + addresses.get(0)
                + " for "
                + asked
                + ": every worker of a ring must use the same RingOptions transport");
      }
    }
    List<int[]> runs = runsOfHosts(sites);
    boolean consecutive = hostsAreConsecutive(sites, runs);
    boolean oneJvm = sameJvm(sites, 0, n);
    switch (asked) {
      case TCP:
        return solo(n, "forced");
      case IN_JVM:
        if (!oneJvm || runs.size() > 1) {
          throw new OrcaConfigurationException(
              "transport IN_JVM needs every worker in one JVM (and one host group), but "
                  + describe(sites, addresses)
                  + ": use AUTO or SHARED_MEMORY");
        }
        return new Placement(Transport.IN_JVM, runs, new boolean[] {true}, n, "forced");
      case SHARED_MEMORY:
        if (runs.size() > 1) {
          throw new OrcaConfigurationException(
              "transport SHARED_MEMORY needs every worker on one host, but "
                  + describe(sites, addresses)
                  + ": use AUTO or HIERARCHICAL");
        }
        return new Placement(Transport.SHARED_MEMORY, runs, new boolean[] {false}, n, "forced");
      case HIERARCHICAL:
        if (!consecutive) {
          throw new OrcaConfigurationException(
              "transport HIERARCHICAL needs each host's ranks to be consecutive, but "
                  + describe(sites, addresses)
                  + ": order the address list with RingAllReduce.orderByHost before connect");
        }
        return new Placement(Transport.HIERARCHICAL, runs, jvmOfHosts(sites, runs), n, "forced");
      default:
        break;
    }
    if (n == 1) {
      return single();
    }
    if (runs.size() == 1) {
      return oneJvm
          ? new Placement(Transport.IN_JVM, runs, new boolean[] {true}, n, "one JVM")
          : new Placement(Transport.SHARED_MEMORY, runs, new boolean[] {false}, n, "one host");
    }
    if (runs.size() == n) {
      return solo(n, "one worker per host");
    }
    if (!consecutive) {
      return solo(
          n,
          "the ranks of a host are not consecutive ("
              + describe(sites, addresses)
              + "), so a host cannot sum its workers' part in rank order; order the address list"
              + " with RingAllReduce.orderByHost for shared memory within hosts");
    }
    return new Placement(Transport.HIERARCHICAL, runs, jvmOfHosts(sites, runs), n, "hosts");
  }

  private static Placement solo(int n, String why) {
    List<int[]> hosts = new ArrayList<>();
    boolean[] inJvm = new boolean[n];
    for (int r = 0; r < n; r++) {
      hosts.add(new int[] {r, 1});
      inJvm[r] = true;
    }
    return new Placement(Transport.TCP, hosts, inJvm, n, why);
  }

  private static List<int[]> runsOfHosts(List<Site> sites) {
    List<int[]> runs = new ArrayList<>();
    for (int r = 0; r < sites.size(); r++) {
      if (r > 0 && sites.get(r).hostKey().equals(sites.get(r - 1).hostKey())) {
        runs.get(runs.size() - 1)[1]++;
      } else {
        runs.add(new int[] {r, 1});
      }
    }
    return runs;
  }

  private static boolean hostsAreConsecutive(List<Site> sites, List<int[]> runs) {
    Set<String> seen = new HashSet<>();
    for (int[] run : runs) {
      if (!seen.add(sites.get(run[0]).hostKey())) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameJvm(List<Site> sites, int from, int count) {
    for (int r = from + 1; r < from + count; r++) {
      if (!sites.get(r).jvmKey().equals(sites.get(from).jvmKey())) {
        return false;
      }
    }
    return true;
  }

  private static boolean[] jvmOfHosts(List<Site> sites, List<int[]> runs) {
    boolean[] inJvm = new boolean[runs.size()];
    for (int h = 0; h < runs.size(); h++) {
      inJvm[h] = sameJvm(sites, runs.get(h)[0], runs.get(h)[1]);
    }
    return inJvm;
  }

  private static String describe(List<Site> sites, List<String> addresses) {
    StringBuilder s = new StringBuilder();
    List<String> hosts = new ArrayList<>();
    for (int r = 0; r < sites.size(); r++) {
      String key = sites.get(r).hostKey();
      if (!hosts.contains(key)) {
        hosts.add(key);
      }
      s.append(r == 0 ? "" : ", ")
          .append("rank ")
          .append(r)
          .append(" (")
          .append(addresses.get(r))
          .append(") on host ")
          .append((char) ('A' + Math.min(25, hosts.indexOf(key))))
          .append(" pid ")
          .append(sites.get(r).pid());
    }
    return s.toString();
  }

  public Transport transport() {
    return transport;
  }

  int hosts() {
    return hostFirst.length;
  }

  int hostOf(int rank) {
    return hostOfRank[rank];
  }

  int hostFirst(int host) {
    return hostFirst[host];
  }

  int hostSize(int host) {
    return hostSize[host];
  }

  /** True when the workers of {@code host} are threads of one JVM. */
  boolean hostInJvm(int host) {
    return hostInJvm[host];
  }

  /** E.g. "2 hosts: ranks [0, 1] in one JVM, [2, 3] in shared memory; TCP between them". */
  public String describe() {
    int n = hostOfRank.length;
    switch (transport) {
      case TCP:
        return n + " workers on a TCP ring (" + why + ")";
      case IN_JVM:
        return n == 1 ? "1 worker: nothing to reduce" : n + " workers in one JVM";
      case SHARED_MEMORY:
        return n + " workers on one host, through a shared-memory segment";
      default:
        StringBuilder s = new StringBuilder().append(hosts()).append(" hosts:");
        for (int h = 0; h < hosts(); h++) {
          s.append(h == 0 ? " " : ", ")
              .append("ranks ")
              .append(hostFirst[h])
              .append("..")
              .append(hostFirst[h] + hostSize[h] - 1)
              .append(hostSize[h] == 1 ? "" : hostInJvm[h] ? " in one JVM" : " in shared memory");
        }
        return s.append("; TCP between hosts").toString();
    }
  }
}
