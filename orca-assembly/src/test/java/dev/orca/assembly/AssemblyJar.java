package dev.orca.assembly;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where the build put what the tests examine: the assembly, spark-home's jars, the scripts. */
final class AssemblyJar {
  private AssemblyJar() {}

  /** The repository's root (the tests run in the module's folder). */
  static Path root() {
    return Path.of("").toAbsolutePath().getParent();
  }

  /** The application jar the shade plugin wrote (not the original it replaced). */
  static Path path() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      List<Path> jars =
          files.filter(p -> p.getFileName().toString().matches("orca-assembly-.*\\.jar")).toList();
      if (jars.size() != 1) {
        throw new AssertionError("expected one orca-assembly jar in target/, found " + jars);
      }
      return jars.get(0).toAbsolutePath();
    }
  }

  /** The jars of the Spark distribution spark-home stands for. */
  static List<Path> sparkJars() throws IOException {
    Path file = root().resolve("spark-home/target/runtime-classpath.txt");
    return Stream.of(Files.readString(file).trim().split(File.pathSeparator))
        .map(Path::of)
        .toList();
  }
}
