package dev.orca.launcher.ray;

/**
 * A running Ray runtime that this JVM's driver is connected to. Ray's Java API ({@code
 * io.ray.api.Ray}) is usable between {@code start} and {@link #stop}. Ray keeps one global runtime
 * per JVM, so at most one {@code RayRuntime} is running at a time.
 */
public interface RayRuntime extends AutoCloseable {
  /** Which kind of runtime this is. */
  RayMode mode();

  /** The address of the cluster (the GCS {@code host:port}); {@code "local"} for LOCAL mode. */
  String address();

  /** The number of Ray nodes: 1 in LOCAL mode. */
  int numNodes();

  /** True until {@link #stop} has been called. */
  boolean isRunning();

  /**
   * Disconnects the driver and stops every process this runtime started, on every node. Idempotent;
   * a runtime that was only connected to ({@link RayMode#EXISTING}) is left running.
   */
  void stop();

  @Override
  default void close() {
    stop();
  }
}
