package dev.orca.examples;

import dev.orca.OrcaException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A classpath resource copied to a temporary file, because Spark reads paths, not streams, and a
 * resource inside a jar has no path. The file keeps the resource's extension (Spark picks the
 * codec from it) and is deleted by {@link #close()}.
 */
public final class ResourceFile implements AutoCloseable {
  private final Path path;

  private ResourceFile(Path path) {
    this.path = path;
  }

  /** Copies {@code resource} (e.g. {@code data/digits.csv.gz}, relative to this package's root). */
  public static ResourceFile copy(String resource) {
    String name = resource.substring(resource.lastIndexOf('/') + 1);
    int dot = name.indexOf('.');
    String suffix = dot < 0 ? "" : name.substring(dot);
    try (InputStream in = ResourceFile.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new OrcaException("the resource " + resource + " is not on the classpath: build the examples module"
            + " (its data sets are in examples/src/main/resources/data)");
      }
      Path file = Files.createTempFile("orca-" + name.substring(0, dot < 0 ? name.length() : dot) + "-", suffix);
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      return new ResourceFile(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the resource " + resource + " to a temporary file", e);
    }
  }

  public Path path() {
    return path;
  }

  /** The path as Spark wants it. */
  @Override
  public String toString() {
    return path.toString();
  }

  /** Deletes the temporary file; idempotent. */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the temporary file " + path, e);
    }
  }
}
