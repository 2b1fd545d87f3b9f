package dev.orca.launcher.ray.internal;

import dev.orca.launcher.LauncherException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the {@code ray} command line program on a node: at the configured path, else on PATH. */
public final class RayExecutable {
  /** The setting that names the executable, quoted in errors. */
  public static final String SETTING = "orca.ray.executable";

  private RayExecutable() {}

  /**
   * The executable to run.
   *
   * @param configured the configured path, or null to search PATH
   * @param host the node, named in the error
   */
  public static Path locate(String configured, String host) {
    if (configured != null) {
      Path path = Path.of(configured);
      if (Files.isRegularFile(path) && Files.isExecutable(path)) {
        return path;
      }
      throw missing(host, SETTING + "=" + configured + " does not exist or is not executable");
    }
    String pathVar = System.getenv().getOrDefault("PATH", "");
    for (String dir : pathVar.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "ray");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw missing(
        host, "there is no 'ray' on PATH (" + pathVar + ") and " + SETTING + " is not set");
  }

  private static LauncherException missing(String host, String why) {
    return new LauncherException(
        "Cannot start a Ray node on "
            + host
            + ": "
            + why
            + ". Install Ray"
            + " 2.39 on every node (pip install 'ray==2.39.0') so that 'ray' is on PATH, or set "
            + SETTING
            + " to the full path of the 'ray' program.");
  }
}
