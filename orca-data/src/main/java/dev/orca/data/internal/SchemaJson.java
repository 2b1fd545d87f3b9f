package dev.orca.data.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.arrow.vector.types.pojo.Schema;

/** Arrow schemas as JSON text: how a schema travels from tasks to the driver and into saved metadata. */
public final class SchemaJson {
  private SchemaJson() {}

  public static Schema parse(String json) {
    try {
      return Schema.fromJSON(json);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable Arrow schema: " + json, e);
    }
  }
}
