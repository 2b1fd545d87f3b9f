package dev.orca.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The JVM flags that Spark, Arrow and Ray's LOCAL mode need on JDK 17 ({@code --add-opens} and a
 * few system properties). They are kept in one file, {@code
 * dev/orca/common/jvm-options.properties}, read by the build for the test JVMs, by {@code
 * bin/orca-run}, and here, so that every Spark executor and Ray worker that Orca starts gets the
 * same flags as the driver.
 */
public final class JvmOptions {
  private static final String RESOURCE = "jvm-options.properties";
  private static final String KEY = "orca.jvm.options";
  private static final String ENVIRONMENT_KEY = "orca.jvm.environment";
  private static final Properties FILE = load();
  private static final List<String> REQUIRED = words(FILE.getProperty(KEY, ""));
  private static final Map<String, String> ENVIRONMENT = environment(FILE);

  private JvmOptions() {}

  /** The flags, one list element each. */
  public static List<String> required() {
    return REQUIRED;
  }

  /**
   * The environment variables Orca gives the JVMs it starts (executors, {@code bin/orca-run}), in
   * the order of the file: e.g. {@code MALLOC_MMAP_THRESHOLD_}, so that glibc returns large native
   * buffers (Arrow shards, tensors) to the system when they are freed instead of keeping them in
   * its arenas, where a long-lived JVM's resident memory would grow over many fits.
   */
  public static Map<String, String> environment() {
    return ENVIRONMENT;
  }

  /** The flags joined with spaces, as Spark's {@code extraJavaOptions} settings take them. */
  public static String joined() {
    return String.join(" ", REQUIRED);
  }

  /**
   * Adds the required flags to an existing {@code extraJavaOptions} value, keeping what the user
   * set and not repeating flags already there.
   */
  public static String mergeInto(String existing) {
    if (existing == null || existing.isBlank()) {
      return joined();
    }
    List<String> present = Arrays.asList(existing.trim().split("\\s+"));
    StringBuilder merged = new StringBuilder(existing.trim());
    for (String flag : REQUIRED) {
      if (!present.contains(flag)) {
        merged.append(' ').append(flag);
      }
    }
    return merged.toString();
  }

  private static List<String> words(String value) {
    String v = value.trim();
    return v.isEmpty() ? List.of() : List.of(v.split("\\s+"));
  }

  private static Map<String, String> environment(Properties props) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String pair : words(props.getProperty(ENVIRONMENT_KEY, ""))) {
      int eq = pair.indexOf('=');
      env.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return Collections.unmodifiableMap(env);
  }

  private static Properties load() {
    Properties props = new Properties();
    try (InputStream in = JvmOptions.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "resource " + RESOURCE + " is missing from the orca-common jar");
      }
      props.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return props;
  }
}
