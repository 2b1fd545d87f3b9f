package dev.orca.benchmarks.ring;

import dev.orca.benchmarks.BenchmarkArgs;
import java.util.Locale;

/**
 * The written cost model of the hierarchical all-reduce ({@code Transport.HIERARCHICAL}), as a
 * calculator: the time of one all-reduce of {@code G} bytes over {@code H} hosts of {@code w}
 * workers each, against a flat TCP ring of all {@code H * w} workers. benchmarks/README.md explains
 * it and holds its tables; this prints them, from the inputs measured on a machine.
 *
 * <p>The scheme is a pipeline of chunks of {@code c} bytes. Within a host the {@code w} workers
 * fold a chunk through shared memory (onto the partial sum coming from the host before), at a rate
 * of {@code R(w)} bytes of buffer per second; the host's last worker sends the partial sum to the
 * next host's first worker over a link of {@code B} bytes per second each way, {@code a} seconds
 * per chunk on top; the result travels back over the other direction of the same links. The slowest
 * stage sets the pace and the path sets the fill:
 *
 * <pre>
 *   t_m = c / R(w)                    one host folds one chunk
 *   t_l = c / B + a                   one chunk crosses one link
 *   n   = ceil(G / c)                 chunks
 *   T   = (n - 1) * max(t_m, t_l)     steady state
 *       + H * t_m + 2 (H - 1) * t_l   forward through every host, then back
 * </pre>
 *
 * In a host of {@code w} members, each copies the {@code (w-1)/w} of its floats the others fold
 * into the segment, folds its own {@code 1/w} from every copy and takes the others' slices of the
 * result: about {@code k(w) = 2 (w-1)/w + 1} copies of {@code G} per member, at {@code C} bytes per
 * second per core, all members at once sharing the host's memory bandwidth {@code M} (reads and
 * writes): {@code R(w) = e * G / max(k G / C, 2 w k G / M)}, where {@code e} is the share of that
 * bound the implementation reaches, calibrated from the measured {@code R(2)}.
 *
 * <p>The flat ring of the same workers over TCP: {@code 2 (N - 1)} steps, each moving {@code G / N}
 * through every worker, the slowest hop setting the pace (a link, or loopback between workers of a
 * host at {@code L} bytes per second): {@code T_ring = 2 (N - 1) * (G / N / min(B, L) + a)}.
 *
 * <p>Arguments: {@code [R2 GB/s] [C GB/s] [L GB/s] [M GB/s] [a us] [chunk KiB]}: the shared-memory
 * all-reduce rate of 2 workers, the one-core memory copy and the loopback TCP rate measured here
 * (AllReduceBenchmark), a node's memory bandwidth, the per-chunk latency of a link and the chunk
 * size (default the ring's, 256 KiB).
 */
public final class HierarchicalCostModel {
  private HierarchicalCostModel() {}

  /** Copies of the buffer each member of a host of {@code w} makes. */
  static double copies(int w) {
    return 2.0 * (w - 1) / w + 1;
  }

  /** Bytes of buffer per second a host of {@code w} workers folds through shared memory. */
  static double hostRate(int w, double copy, double memory, double efficiency) {
    double k = copies(w);
    return efficiency / Math.max(k / copy, 2 * w * k / memory);
  }

  /** Seconds of one hierarchical all-reduce of {@code g} bytes. */
  static double hierarchical(
      double g, int hosts, int w, double link, double a, double c, double r) {
    double tm = w == 1 ? 0 : c / r;
    double tl = hosts > 1 ? c / link + a : 0;
    double n = Math.ceil(g / c);
    return (n - 1) * Math.max(tm, tl) + hosts * tm + 2.0 * (hosts - 1) * tl;
  }

  /** Seconds of one all-reduce on a flat TCP ring of {@code hosts * w} workers. */
  static double flatRing(double g, int hosts, int w, double link, double a, double loopback) {
    int n = hosts * w;
    double hop = w > 1 ? Math.min(link, loopback) : link;
    return 2.0 * (n - 1) * (g / n / hop + a);
  }

  public static void main(String[] args) {
    BenchmarkArgs parsed =
        BenchmarkArgs.parse(
            "HierarchicalCostModel [R2=5.6] [C=18] [L=4.6] [M=100] [a=30] [chunk-KiB=256]",
            args,
            "R2",
            "C",
            "L",
            "M",
            "a",
            "chunk-KiB");
    // defaults: this machine's figures (benchmarks/README.md), which the tables there are made of
    double r2 = parsed.number("R2", 5.6) * 1e9;
    double copy = parsed.number("C", 18) * 1e9;
    double loopback = parsed.number("L", 4.6) * 1e9;
    double memory = parsed.number("M", 100) * 1e9;
    double a = parsed.number("a", 30) * 1e-6;
    double c = parsed.number("chunk-KiB", 256) * 1024;
    double e = r2 / hostRate(2, copy, Double.MAX_VALUE, 1); // calibrated on this machine
    System.out.printf(
        Locale.ROOT,
        "inputs: R(2) %.1f GB/s, copy C %.0f GB/s/core (so e = %.2f), loopback L %.1f GB/s,"
            + " node memory M %.0f GB/s, a = %.0f us, chunk %.0f KiB%n",
        r2 / 1e9,
        copy / 1e9,
        e,
        loopback / 1e9,
        memory / 1e9,
        a * 1e6,
        c / 1024);
    int[] hostCounts = {8, 16, 32, 64, 128, 256};
    StringBuilder head = new StringBuilder("| gradient | link | workers/host |");
    for (int h : hostCounts) {
      head.append(' ').append(h).append(" hosts |");
    }
    System.out.println(head);
    for (double g : new double[] {2.1e6, 100e6}) {
      for (double gbit : new double[] {10, 100}) {
        double link = gbit * 1e9 / 8;
        for (int w : new int[] {1, 8}) {
          double r = hostRate(w, copy, memory, e);
          StringBuilder row =
              new StringBuilder(
                  String.format(Locale.ROOT, "| %.1f MB | %.0f Gb/s | %d |", g / 1e6, gbit, w));
          for (int h : hostCounts) {
            row.append(
                String.format(
                    Locale.ROOT,
                    " %s (flat ring %s) |",
                    ms(hierarchical(g, h, w, link, a, c, r)),
                    ms(flatRing(g, h, w, link, a, loopback))));
          }
          System.out.println(row);
        }
      }
    }
    // the best chunk for the chain: d/dc of (G/c)(c/B + a) + 2H(c/B + a) = 0
    for (double g : new double[] {2.1e6, 100e6}) {
      for (int h : new int[] {8, 256}) {
        double link = 10e9 / 8;
        double best = Math.max(4096, Math.sqrt(g * a * link / (2.0 * h)));
        double r = hostRate(8, copy, memory, e);
        System.out.printf(
            Locale.ROOT,
            "best chunk, %.1f MB, %d hosts of 8 at 10 Gb/s: %.0f KiB -> %s (256 KiB: %s)%n",
            g / 1e6,
            h,
            best / 1024,
            ms(hierarchical(g, h, 8, link, a, best, r)),
            ms(hierarchical(g, h, 8, link, a, 256 * 1024, r)));
      }
    }
    // the figures of this machine, as the model predicts them
    double g = 64 * (1 << 20);
    System.out.printf(
        Locale.ROOT,
        "check, 64 MiB, 2 workers: shared memory %.1f GB/s (= R(2)); TCP chain on loopback, each"
            + " direction at L/2: %.2f GB/s%n",
        g / hierarchical(g, 1, 2, 1, a, c, r2) / 1e9,
        g / hierarchical(g, 2, 1, loopback / 2, a, c, r2) / 1e9);
    double mlp = 535_818 * 4.0;
    System.out.printf(
        Locale.ROOT,
        "check, the MLP's %.2f MB gradient, 2 workers: shared memory %s, TCP chain %s per step%n",
        mlp / 1e6,
        ms(hierarchical(mlp, 1, 2, 1, a, c, r2)),
        ms(hierarchical(mlp, 2, 1, loopback / 2, a, c, r2)));
  }

  private static String ms(double seconds) {
    return seconds >= 0.1
        ? String.format(Locale.ROOT, "%.0f ms", seconds * 1e3)
        : String.format(Locale.ROOT, "%.1f ms", seconds * 1e3);
  }
}
