package dev.orca.yarn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a test left behind on the mini cluster and on this machine: applications still running,
 * containers (as the NodeManagers and the ResourceManager count them), processes (this JVM's
 * descendants, and any process whose command line names the cluster's folder, which every
 * container's does), and ports this JVM listens on. Taken before a test, compared after it.
 */
final class Leftovers {
  private final Set<Long> descendants;
  private final Set<Integer> ports;

  private Leftovers(Set<Long> descendants, Set<Integer> ports) {
    this.descendants = descendants;
    this.ports = ports;
  }

  /** What there is now, before a test. */
  static Leftovers before() {
    return new Leftovers(descendants(), listeningPorts());
  }

  /**
   * Fails unless, within {@code within}, everything the test started is gone again: no application
   * running, no container, no process it started (also none of {@code pids}), no port of this JVM's
   * that was not open before. YARN ends containers asynchronously once their application finished,
   * hence the wait.
   */
  void assertNothingLeft(MiniYarn yarn, Set<Long> pids, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    List<String> left = left(yarn, pids);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      left = left(yarn, pids);
    }
    if (!left.isEmpty()) {
      throw new AssertionError(
          "left " + within.toSeconds() + " s after the test:\n  " + String.join("\n  ", left));
    }
  }

  private List<String> left(MiniYarn yarn, Set<Long> pids) {
    List<String> left = new ArrayList<>();
    if (!yarn.running().isEmpty()) {
      left.add(
          "applications still running: "
              + yarn.running().stream()
                  .map(r -> r.getApplicationId() + " " + r.getYarnApplicationState())
                  .toList());
    }
    List<Integer> perNode = yarn.containersPerNode();
    if (perNode.stream().anyMatch(n -> n > 0)) {
      left.add("containers on the NodeManagers: " + perNode);
    }
    if (yarn.allocatedContainers() > 0) {
      left.add("containers allocated by the ResourceManager: " + yarn.allocatedContainers());
    }
    Set<Long> newDescendants = descendants();
    newDescendants.removeAll(descendants);
    if (!newDescendants.isEmpty()) {
      left.add("processes started from this JVM: " + describe(newDescendants));
    }
    Set<Long> ofCluster = processesNaming(yarn.workDir().toString());
    if (!ofCluster.isEmpty()) {
      left.add("processes of the cluster's containers: " + describe(ofCluster));
    }
    Set<Long> alive =
        pids.stream()
            .filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))
            .collect(Collectors.toCollection(TreeSet::new));
    if (!alive.isEmpty()) {
      left.add("processes the test saw: " + describe(alive));
    }
    Set<Integer> newPorts = listeningPorts();
    newPorts.removeAll(ports);
    if (!newPorts.isEmpty()) {
      left.add("ports this JVM listens on: " + new TreeSet<>(newPorts));
    }
    return left;
  }

  static Set<Long> descendants() {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .map(ProcessHandle::pid)
        .collect(Collectors.toCollection(HashSet::new));
  }

  /** The live processes whose command line contains {@code text}. */
  static Set<Long> processesNaming(String text) {
    Set<Long> out = new TreeSet<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.toList()) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)
            || Long.parseLong(name) == ProcessHandle.current().pid()) {
          continue;
        }
        String cmd = commandLine(Long.parseLong(name));
        if (cmd.contains(text)) {
          out.add(Long.parseLong(name));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return out;
  }

  /** A process's command line, its arguments separated by spaces ("" if it is gone). */
  static String commandLine(long pid) {
    try {
      return new String(
              Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
              StandardCharsets.UTF_8)
          .replace('\0', ' ')
          .trim();
    } catch (IOException e) {
      return ""; // ended meanwhile
    }
  }

  /** A process's environment ("" entries if it is gone). */
  static List<String> environment(long pid) {
    try {
      String env =
          new String(
              Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
              StandardCharsets.UTF_8);
      return List.of(env.split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }

  private static String describe(Set<Long> pids) {
    return pids.stream()
        .map(
            p -> {
              String cmd = commandLine(p);
              return p + " (" + (cmd.length() > 160 ? cmd.substring(0, 157) + "..." : cmd) + ")";
            })
        .collect(Collectors.joining(", "));
  }

  /** The TCP ports this JVM listens on: its sockets' inodes, looked up in /proc/net/tcp{,6}. */
  static Set<Integer> listeningPorts() {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring("socket:[".length(), target.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list this JVM's file descriptors", e);
    }
    Set<Integer> ports = new HashSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> lines;
      try {
        lines = Files.readAllLines(Path.of(table));
      } catch (IOException e) {
        continue; // no IPv6 here
      }
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        String[] f = line.trim().split("\\s+");
        // local address, state (0A = listening), inode
        if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
          String local = f[1];
          ports.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }
}
