package dev.orca.launcher.barrier;

import dev.orca.common.JvmOptions;
import dev.orca.launcher.LauncherException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * What Spark's {@code local-cluster[n,cores,memoryMb]} master needs to start real executor JVMs on
 * this machine from an application built with Maven rather than run from a Spark distribution.
 *
 * <p>The local-cluster workers run inside the driver JVM and build each executor's command line
 * from {@code $SPARK_HOME/jars} (or {@code ./jars} when {@code SPARK_HOME} is not set), which a
 * Maven-built application does not have. So the executors get the driver's own classpath through
 * {@code spark.executor.extraClassPath}, and Spark's launcher is told, through the executors'
 * environment ({@code SPARK_TESTING=1}, the switch Spark's own test suites use for the same
 * purpose), not to insist on a jars folder. The workers keep their files in {@code ./work}, as
 * Spark's local-cluster always does.
 */
public final class LocalCluster {
  private LocalCluster() {}

  /** True for masters of the form {@code local-cluster[...]}. */
  public static boolean isLocalClusterMaster(String master) {
    return master != null && master.startsWith("local-cluster");
  }

  /**
   * The Spark settings that let a local-cluster master start executors: {@code
   * spark.executor.extraClassPath}, {@code spark.executor.extraJavaOptions} and the executor
   * environment Spark's launcher asks for.
   */
  public static Map<String, String> sparkConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.executor.extraClassPath", String.join(File.pathSeparator, driverClasspath()));
    conf.put("spark.executor.extraJavaOptions", JvmOptions.joined());
    conf.put("spark.executorEnv.SPARK_SCALA_VERSION", scalaBinaryVersion());
    if (System.getenv("SPARK_HOME") == null) {
      conf.put("spark.executorEnv.SPARK_TESTING", "1");
    }
    return conf;
  }

  /**
   * The classpath of this JVM as a list of entries, with manifest-only jars (as IDEs and test
   * runners make them) replaced by the entries their manifest lists.
   */
  public static List<String> driverClasspath() {
    List<String> out = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      List<String> listed = manifestClassPath(Path.of(entry));
      if (listed.isEmpty()) {
        out.add(Path.of(entry).toAbsolutePath().toString());
      } else {
        out.addAll(listed);
      }
    }
    return out;
  }

  private static List<String> manifestClassPath(Path entry) {
    if (!entry.toString().endsWith(".jar") || !Files.isRegularFile(entry)) {
      return List.of();
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      Manifest manifest = jar.getManifest();
      String classPath =
          manifest == null
              ? null
              : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
      if (classPath == null || jar.stream().anyMatch(e -> e.getName().endsWith(".class"))) {
        return List.of(); // a real jar that merely references others: keep it as it is
      }
      List<String> out = new ArrayList<>();
      for (String url : classPath.trim().split("\\s+")) {
        out.add(
            entry.getParent() == null
                ? url
                : Path.of(
                        java.net.URI.create(
                            url.startsWith("file:")
                                ? url
                                : entry.getParent().toUri().resolve(url).toString()))
                    .toString());
      }
      return out;
    } catch (IOException e) {
      throw new LauncherException(
          "Cannot read the manifest of classpath entry "
              + entry
              + " ("
              + e.getMessage()
              + "), which local-cluster executors need to build their classpath: check that the jar is readable"
              + " and not damaged.",
          e);
    }
  }

  private static String scalaBinaryVersion() {
    String full = scala.util.Properties.versionNumberString(); // e.g. 2.13.17
    return full.substring(0, full.lastIndexOf('.'));
  }
}
