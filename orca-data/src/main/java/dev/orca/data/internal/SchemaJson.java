package dev.orca.data.internal;

import dev.orca.OrcaDataException;
import java.io.IOException;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Arrow schemas as JSON text: how a schema travels from tasks to the driver and into saved
 * metadata.
 */
public final class SchemaJson {
  private SchemaJson() {}

  public static Schema parse(String json) {
    try {
      return Schema.fromJSON(json);
    } catch (IOException e) {
      throw new OrcaDataException(
          "the saved XShards hold an Arrow schema that cannot be read ("
              + e.getMessage()
              + "): they were not written by XShards.save, or are damaged: "
              + json,
          e);
    }
  }
}
