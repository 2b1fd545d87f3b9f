package dev.orca.launcher.ray;

import io.ray.api.Ray;
import java.io.File;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ray in its LOCAL run mode inside this JVM: actors run as threads, objects live in an in-memory
 * store, and nothing needs to be installed. What an embedded {@code OrcaContext} uses.
 */
final class LocalRay implements RayRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(LocalRay.class);
  private final AtomicBoolean running = new AtomicBoolean(true);

  private LocalRay() {}

  static LocalRay start() {
    RayDriver.init(Map.of("ray.run-mode", "LOCAL"));
    removeSessionFiles();
    LOG.info("Ray started in LOCAL mode (actors run as threads of this JVM)");
    return new LocalRay();
  }

  /**
   * Ray's LOCAL mode unpacks its 32 MB JNI library into {@code /tmp/ray/session_local_mode_*_<pid>}
   * once per JVM and never removes it. The library is loaded by now (Linux keeps a loaded file
   * alive), so the folder can go at once instead of piling up in /tmp with every run.
   */
  private static void removeSessionFiles() {
    String suffix = "_" + ProcessHandle.current().pid();
    File[] sessions =
        new File("/tmp/ray")
            .listFiles(
                f ->
                    f.isDirectory()
                        && f.getName().startsWith("session_local_mode_")
                        && f.getName().endsWith(suffix));
    if (sessions == null) {
      return;
    }
    for (File session : sessions) {
      File[] files = session.listFiles();
      if (files != null) {
        for (File f : files) {
          if (!f.delete()) {
            LOG.debug("could not remove {}", f);
          }
        }
      }
      if (!session.delete()) {
        LOG.debug("could not remove {}", session);
      }
    }
  }

  @Override
  public RayMode mode() {
    return RayMode.LOCAL;
  }

  @Override
  public String address() {
    return "local";
  }

  @Override
  public int numNodes() {
    return 1;
  }

  @Override
  public boolean isRunning() {
    return running.get() && Ray.isInitialized();
  }

  @Override
  public void stop() {
    if (running.compareAndSet(true, false)) {
      RayDriver.shutdown();
      LOG.info("Ray LOCAL mode stopped");
    }
  }
}
