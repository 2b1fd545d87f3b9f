package dev.orca.estimator.internal;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Paths given by the user as Hadoop FileSystem paths: a URI ({@code hdfs://...}), or a local path.
 */
public final class HadoopPaths {
  private HadoopPaths() {}

  /** The file system of {@code path}; a path without a scheme is a local file. */
  public static FileSystem fileSystem(String path) throws IOException {
    URI uri = path.contains("://") ? URI.create(path) : new File(path).toURI();
    return FileSystem.get(uri, new Configuration());
  }
}
