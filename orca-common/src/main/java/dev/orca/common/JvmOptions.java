package dev.orca.common;

import dev.orca.OrcaConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The JVM flags that Spark, Arrow and Ray's LOCAL mode need on JDK 17 ({@code --add-opens} and a
 * few system properties). They are kept in one file, {@code
 * dev/orca/common/jvm-options.properties}, read by the build for the test JVMs, by {@code
 * bin/orca-run}, and here, so that every Spark executor and Ray worker that Orca starts gets the
 * same flags as the driver. The build also publishes them as a Java argument file, {@code
 * dev/orca/common/jvm-options.txt} in this jar ({@code java @jvm-options.txt ...}).
 */
public final class JvmOptions {
  private static final String RESOURCE = "jvm-options.properties";
  private static final String KEY = "orca.jvm.options";
  private static final String ADD_OPENS = "--add-opens=";
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
   * its arenas, where a long-lived JVM's resident memory would grow over many fits; and {@code
   * GLIBC_TUNABLES=glibc.malloc.hugetlb=1}, so that those buffers may be backed by 2 MiB pages.
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

  /**
   * The required flags that are not in effect in this JVM: an {@code --add-opens} whose package is
   * not open to the classpath, a {@code -Dkey=value} whose property does not have that value. What
   * is checked is the effect, so a flag given in another spelling (two arguments, an argument file,
   * {@code JDK_JAVA_OPTIONS}) counts as given.
   */
  public static List<String> missing() {
    return missing(REQUIRED);
  }

  static List<String> missing(List<String> flags) {
    List<String> out = new ArrayList<>();
    for (String flag : flags) {
      if (!inEffect(flag)) {
        out.add(flag);
      }
    }
    return out;
  }

  /**
   * Fails with an {@link OrcaConfigurationException} naming every missing flag and where to add
   * them, if this JVM lacks any of the required flags. Meant to run before anything starts that
   * would fail later, deep inside Arrow or Ray, without them; it takes about 10 ms the first time
   * in a JVM (class loading) and some 20 µs after.
   */
  public static void requireInThisJvm() {
    List<String> missing = missing();
    if (!missing.isEmpty()) {
      throw new OrcaConfigurationException(missingMessage(missing));
    }
  }

  static String missingMessage(List<String> missing) {
    String line = String.join(" ", missing);
    return "This JVM lacks "
        + missing.size()
        + " of the "
        + REQUIRED.size()
        + " JVM options that Spark, Arrow and Ray need on JDK 17, so Orca stops before starting"
        + " Spark (without them it would fail later, inside Arrow or Ray). Add this line to the"
        + " options of the JVM that runs your program:\n\n"
        + "  "
        + line
        + "\n\n"
        + "java: put it before the main class (or use the argument file in the orca-common jar:"
        + " java @jvm-options.txt, from dev/orca/common/jvm-options.txt);"
        + " Maven: in Surefire's <argLine>, or as exec:exec <argument>s before -classpath;"
        + " an IDE: in the run configuration's VM options;"
        + " spark-submit: in --driver-java-options."
        + " bin/orca-run --print-jvm-options prints all "
        + REQUIRED.size()
        + ".";
  }

  private static boolean inEffect(String flag) {
    if (flag.startsWith(ADD_OPENS)) {
      // module/package=ALL-UNNAMED: the package must be open to code on the classpath
      String spec = flag.substring(ADD_OPENS.length());
      int slash = spec.indexOf('/');
      int eq = spec.indexOf('=', slash + 1);
      if (slash < 0 || eq < 0 || !spec.substring(eq + 1).equals("ALL-UNNAMED")) {
        return true; // not a form this check knows: nothing to say about it
      }
      String pkg = spec.substring(slash + 1, eq);
      Optional<Module> module = ModuleLayer.boot().findModule(spec.substring(0, slash));
      // a module or package this runtime does not have needs no opening
      return module.isEmpty()
          || !module.get().getPackages().contains(pkg)
          || module.get().isOpen(pkg, classpathModule());
    }
    if (flag.startsWith("-D")) {
      int eq = flag.indexOf('=');
      String key = eq < 0 ? flag.substring(2) : flag.substring(2, eq);
      String value = eq < 0 ? "" : flag.substring(eq + 1);
      return value.equals(System.getProperty(key));
    }
    return true;
  }

  /** The unnamed module: ALL-UNNAMED opens a package to every one of them, so any will do. */
  private static Module classpathModule() {
    Module own = JvmOptions.class.getModule();
    return own.isNamed() ? ClassLoader.getSystemClassLoader().getUnnamedModule() : own;
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
