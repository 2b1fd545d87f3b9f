package dev.orca.estimator.internal.worker;

import dev.orca.estimator.CpuPinning;
import dev.orca.nn.Engine;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which CPUs a training worker's threads run on during a fit ({@link CpuPinning}), and why, in
 * words for the fit's transport line. The {@code i}-th worker of a host (in the order of the ring's
 * addresses, the same list on every worker) takes the {@code i}-th CPU of the mask the process may
 * use, so the workers of a host, which read the same mask, take different CPUs without talking.
 */
public final class CpuPlan {
  private static final Logger LOG = LoggerFactory.getLogger(CpuPlan.class);

  /** Nothing pinned, nothing said (a worker before its ring formed). */
  static final CpuPlan NONE = new CpuPlan(null, "");

  private static final CpuPlan OFF = new CpuPlan(null, "not pinned (CpuPinning.OFF)");

  private final BitSet cpus;
  private final String description;

  private CpuPlan(BitSet cpus, String description) {
    this.cpus = cpus;
    this.description = description;
  }

  /** The CPUs to pin to, or null: not pinned. */
  BitSet cpus() {
    return cpus == null ? null : (BitSet) cpus.clone();
  }

  /**
   * E.g. "pinned to CPU 1 (worker 2 of 2 workers on this host, which has CPUs 0-1)", or why not.
   */
  String description() {
    return description;
  }

  /**
   * The plan of the worker at {@code rank} of {@code addresses} ({@code host:port} of every worker)
   * whose engine computes on {@code threads} threads, for the calling thread's current CPUs.
   */
  public static CpuPlan choose(CpuPinning mode, int threads, List<String> addresses, int rank) {
    Objects.requireNonNull(mode, "mode");
    if (mode == CpuPinning.OFF) {
      return OFF;
    }
    String unavailable = ThreadAffinity.unavailable();
    if (unavailable != null) {
      return new CpuPlan(null, "not pinned: " + unavailable);
    }
    BitSet allowed = ThreadAffinity.get(ThreadAffinity.currentThreadId());
    return decide(mode, threads, addresses, rank, allowed);
  }

  /** {@link #choose} for a given mask {@code allowed} (the CPUs the process may use). */
  static CpuPlan decide(
      CpuPinning mode, int threads, List<String> addresses, int rank, BitSet allowed) {
    if (mode == CpuPinning.OFF) {
      return OFF;
    }
    String host = host(addresses.get(rank));
    int onHost = 0;
    int index = -1;
    for (int i = 0; i < addresses.size(); i++) {
      if (host(addresses.get(i)).equals(host)) {
        if (i == rank) {
          index = onHost;
        }
        onHost++;
      }
    }
    int available = allowed.cardinality();
    String place =
        onHost
            + (onHost == 1 ? " worker" : " workers")
            + " on this host, which has CPUs "
            + list(allowed);
    if (threads != 1) {
      return new CpuPlan(
          null,
          "not pinned: workers of "
              + threads
              + " cores are not (their OpenMP threads would keep the CPUs they started on)");
    }
    if (onHost > available) {
      return new CpuPlan(null, "not pinned: " + place + ": more workers than CPUs");
    }
    if (mode == CpuPinning.AUTO && (onHost < 2 || onHost != available)) {
      return new CpuPlan(
          null,
          "not pinned: "
              + place
              + " (CpuPinning.AUTO pins 2 or more workers that fill the CPUs, ON pins them"
              + " anyway)");
    }
    int cpu = allowed.nextSetBit(0);
    for (int i = 0; i < index; i++) {
      cpu = allowed.nextSetBit(cpu + 1);
    }
    BitSet mine = new BitSet();
    mine.set(cpu);
    return new CpuPlan(
        mine, "pinned to CPU " + cpu + " (worker " + (index + 1) + " of " + place + ")");
  }

  /**
   * Pins the calling thread (and so the threads it starts from now on) to this plan's CPUs until
   * the returned handle is closed, which gives the thread its former CPUs back. Does nothing when
   * not pinned; a refusal of the kernel (a CPU gone offline, a cpuset changed since) is logged and
   * the thread runs unpinned.
   */
  public Pinned pinCallingThread() {
    if (cpus == null) {
      return Pinned.NOTHING;
    }
    // before the CPUs narrow: Intel's OpenMP, started or first entered from a pinned thread, would
    // pin every thread that computes later to this CPU, or undo this pinning (Engine.enterOpenMp)
    Engine.enterOpenMp();
    int tid = ThreadAffinity.currentThreadId();
    BitSet before = ThreadAffinity.get(tid);
    try {
      ThreadAffinity.set(tid, cpus);
    } catch (IllegalStateException e) {
      LOG.warn("Training worker runs unpinned: {}", e.getMessage());
      return Pinned.NOTHING;
    }
    return () -> {
      try {
        ThreadAffinity.set(tid, before);
      } catch (IllegalStateException e) {
        LOG.warn("Training worker's thread keeps CPUs {}: {}", list(cpus), e.getMessage());
      }
    };
  }

  /** Gives the pinned thread its former CPUs back. */
  @FunctionalInterface
  public interface Pinned extends AutoCloseable {
    Pinned NOTHING = () -> {};

    @Override
    void close();
  }

  private static String host(String address) {
    int colon = address.lastIndexOf(':');
    return colon < 0 ? address : address.substring(0, colon);
  }

  /** E.g. "0-3,6". */
  static String list(BitSet cpus) {
    StringBuilder s = new StringBuilder();
    for (int a = cpus.nextSetBit(0); a >= 0; ) {
      int b = cpus.nextClearBit(a) - 1;
      if (s.length() > 0) {
        s.append(',');
      }
      s.append(a);
      if (b > a) {
        s.append('-').append(b);
      }
      a = cpus.nextSetBit(b + 1);
    }
    return s.toString();
  }
}
