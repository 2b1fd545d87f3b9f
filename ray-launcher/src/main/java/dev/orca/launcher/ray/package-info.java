/**
 * The Ray runtimes Orca can use: {@code LOCAL} (in this JVM), {@code ON_SPARK} (Ray nodes started
 * inside the Spark executors by a barrier stage: RayOnSpark) and {@code EXISTING} (a cluster
 * started elsewhere), behind {@code RayRuntime}; and the JVM-side Ray driver.
 */
package dev.orca.launcher.ray;
