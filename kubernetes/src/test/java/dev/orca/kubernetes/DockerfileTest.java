package dev.orca.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.common.JvmOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * kubernetes/Dockerfile agrees with this build: no image can be built or pulled where the tests
 * run, so what can go stale is checked against the build's own values (Spark's and Ray's versions,
 * the flags file in the jar, Orca's environment, the jar's path in the image).
 */
class DockerfileTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private static String dockerfile() throws Exception {
    return Files.readString(ROOT.resolve("kubernetes/Dockerfile"));
  }

  private static String value(String text, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
    assertTrue(m.find(), "no match for " + regex + " in kubernetes/Dockerfile");
    return m.group(1);
  }

  @Test
  void theBaseIsTheOfficialSparkImageOfThisBuildsSparkOnJdk17AndRayMatchesItsJavaJars()
      throws Exception {
    String file = dockerfile();
    String base = value(file, "^ARG SPARK_IMAGE=(\\S+)$");
    assertEquals(
        "apache/spark:"
            + System.getProperty("orca.spark.version")
            + "-scala2.13-java17-python3-ubuntu",
        base);
    assertEquals(System.getProperty("orca.ray.version"), value(file, "^ARG RAY_VERSION=(\\S+)$"));
    assertTrue(file.contains("pip install --no-cache-dir \"ray==${RAY_VERSION}\""), file);
  }

  @Test
  void everyJvmOfTheImageGetsTheFlagsFileOfTheJarAndOrcasEnvironment() throws Exception {
    String file = dockerfile();
    // the argument file the image extracts is the one orca-common publishes
    assertTrue(file.contains("xf jars/orca-assembly.jar dev/orca/common/jvm-options.txt"), file);
    assertNotNull(JvmOptions.class.getResource("/dev/orca/common/jvm-options.txt"));
    assertTrue(file.contains("JDK_JAVA_OPTIONS=\"@/opt/orca/jvm-options.txt\""), file);
    JvmOptions.environment()
        .forEach(
            (k, v) ->
                assertTrue(
                    file.contains(k + "=" + v), k + "=" + v + " missing from the image's ENV"));
    // the jar where the runbook and the pods point (local:///opt/orca/jars/orca-assembly.jar),
    // and on the classpath of Spark's entrypoint
    assertTrue(file.contains("COPY ${APP_JAR} /opt/orca/jars/orca-assembly.jar"), file);
    assertTrue(file.contains("SPARK_EXTRA_CLASSPATH=\"/opt/orca/jars/*\""), file);
    assertEquals(
        "orca-assembly/target/orca-assembly-" + System.getProperty("orca.version") + ".jar",
        value(file, "^ARG APP_JAR=(\\S+)$"));
  }
}
