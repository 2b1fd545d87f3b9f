package dev.orca.estimator;

/**
 * Whether each training worker's thread is bound to CPUs of its own for a fit ({@link
 * FitConfig.Builder#optCpuPinning}). A pinned worker's compute thread, and the ring's threads it
 * starts, run on the CPU its place among the host's workers gives it (the {@code i}-th worker of a
 * host on the {@code i}-th CPU the process may use); the thread's former CPUs are given back after
 * each call. Pinning applies to workers of 1 core on Linux; the fit's transport line says what was
 * done and why ({@code TrainingHistory.transport()}).
 *
 * <p>It pays where a host's workers fill its CPUs: each then computes on a CPU of its own and sums
 * without being queued behind the other's computation (measured in {@code benchmarks/README.md}).
 * Where other programs share the host's CPUs, a pinned thread cannot move away from a busy CPU, so
 * {@link #AUTO} pins only when the workers fill every CPU the process may use.
 */
public enum CpuPinning {
  /**
   * The default: pins when 2 or more workers of 1 core run on a host and they are exactly as many
   * as the CPUs the process may use (its affinity mask: a container's cpuset, {@code taskset}).
   */
  AUTO,
  /**
   * Pins workers of 1 core whenever the host's workers are no more than the CPUs the process may
   * use (for hosts given to the job alone).
   */
  ON,
  /** Never pins: the operating system places the threads. */
  OFF
}
