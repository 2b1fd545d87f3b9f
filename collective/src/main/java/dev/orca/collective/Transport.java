package dev.orca.collective;

/**
 * How the workers of a {@link RingAllReduce} move the floats of an all-reduce. {@link #AUTO} (the
 * default) chooses at {@link RingAllReduce#connect} from where the workers run, which they tell
 * each other while the ring forms; the others force a choice (every worker must ask for the same).
 * {@link RingAllReduce#transport()} says which one runs.
 *
 * <p>Whatever the transport, each element of the sum is folded in rank order, {@code ((x0 + x1) +
 * x2) + ... + x(n-1)}, so that the result is the same, bit for bit, with every transport (without
 * compression: {@link Compression} narrows what crosses the network, so its rounding depends on how
 * many hosts a sum crosses). Broadcasts, sums of doubles and barriers always go over the TCP ring.
 */
public enum Transport {
  /**
   * Chosen from the placement: workers in one JVM reduce through its memory ({@link #IN_JVM}),
   * workers on one host through shared memory ({@link #SHARED_MEMORY}), workers on several hosts
   * {@link #HIERARCHICAL}ly when each host's ranks are consecutive, and over {@link #TCP} when
   * every host runs one worker or a host's ranks are not consecutive.
   */
  AUTO,
  /**
   * Every worker on the TCP ring, wherever it runs: the partial sums travel forward along the
   * ranks, the result travels back (each connection carries data both ways).
   */
  TCP,
  /**
   * Workers that are threads of one JVM: each sums a slice of every worker's buffer and writes it
   * into all of them, with no copy and no socket.
   */
  IN_JVM,
  /**
   * Workers on one host, in one or several JVMs: through a memory-mapped segment under {@code
   * /dev/shm} (see {@link RingOptions#sharedMemoryDirectory()}), created per ring, reachable only
   * by workers that proved they know the job secret, and unlinked as soon as every worker has
   * mapped it.
   */
  SHARED_MEMORY,
  /**
   * Workers on several hosts: within a host through its memory ({@link #IN_JVM} or {@link
   * #SHARED_MEMORY}), between hosts over TCP from the last worker of each host to the first of the
   * next, the result coming back the same way and then through memory. Needs each host's ranks to
   * be consecutive ({@link RingAllReduce#orderByHost}).
   */
  HIERARCHICAL
}
