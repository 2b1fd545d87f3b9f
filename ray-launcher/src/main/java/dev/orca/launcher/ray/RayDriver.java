package dev.orca.launcher.ray;

import dev.orca.launcher.LauncherException;
import io.ray.api.Ray;
import java.util.HashMap;
import java.util.Map;

/**
 * The one place that calls {@code Ray.init} and {@code Ray.shutdown}. Ray's Java API takes its
 * settings only from system properties and changes two pieces of global JVM state as it starts (the
 * default uncaught-exception handler and the log4j configuration); this class passes the settings
 * for the duration of the call and puts the global state back afterwards.
 */
final class RayDriver {
  private static Object owner;

  private RayDriver() {}

  static void init(Map<String, String> settings) {
    init(settings, null);
  }

  /**
   * Starts Ray's driver with {@code settings} as system properties. With a {@code timeout}, the
   * start runs on a helper thread and is given up after that long (connecting to a cluster that
   * does not answer must not hang the application).
   */
  static synchronized void init(Map<String, String> settings, java.time.Duration timeout) {
    if (owner != null || Ray.isInitialized()) {
      throw new LauncherException(
          "Ray is already running in this JVM; a JVM holds one Ray runtime"
              + " at a time. Stop the running one (OrcaContext.stop() or RayRuntime.stop()) first.");
    }
    Map<String, String> previous = new HashMap<>();
    settings.forEach((k, v) -> previous.put(k, System.setProperty(k, v)));
    Thread.UncaughtExceptionHandler handler = Thread.getDefaultUncaughtExceptionHandler();
    try {
      if (timeout == null) {
        Ray.init();
      } else {
        initWithin(timeout, settings);
      }
      owner = new Object();
    } catch (RuntimeException e) {
      String where =
          settings.containsKey("ray.address")
              ? "connecting to " + settings.get("ray.address")
              : "in run mode " + settings.getOrDefault("ray.run-mode", "CLUSTER");
      throw e instanceof LauncherException
          ? e
          : new LauncherException("Ray did not start (" + where + "): " + rootMessage(e), e);
    } finally {
      previous.forEach(
          (k, v) -> {
            if (v == null) {
              System.clearProperty(k);
            } else {
              System.setProperty(k, v);
            }
          });
      Thread.setDefaultUncaughtExceptionHandler(handler);
      restoreLogging();
    }
  }

  private static void initWithin(java.time.Duration timeout, Map<String, String> settings) {
    java.util.concurrent.FutureTask<Void> start =
        new java.util.concurrent.FutureTask<>(Ray::init, null);
    Thread starter = new Thread(start, "orca-ray-init");
    starter.setDaemon(true);
    starter.start();
    try {
      start.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      starter.interrupt();
      throw new LauncherException(
          "Ray did not connect to "
              + settings.get("ray.address")
              + " within "
              + timeout.toSeconds()
              + " s. Check that a Ray 2.39 cluster runs there and that this machine"
              + " can reach it (orca.ray.address, orca.ray.start-timeout).");
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new RuntimeException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LauncherException("interrupted while connecting to Ray", e);
    }
  }

  static synchronized void shutdown() {
    if (owner != null) {
      owner = null;
      Ray.shutdown();
    }
  }

  private static void restoreLogging() {
    try {
      // Ray replaced the application's log4j configuration by its own console logger; log4j's
      // search again gives the application's own file, or Orca's default where it has none
      org.apache.logging.log4j.core.LoggerContext.getContext(false).reconfigure();
    } catch (NoClassDefFoundError e) {
      // no log4j-core on the classpath: Ray could not have reconfigured it either
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (caused by " + t + ")";
  }
}
