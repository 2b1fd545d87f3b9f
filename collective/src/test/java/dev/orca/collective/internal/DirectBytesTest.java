package dev.orca.collective.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class DirectBytesTest {

  @Test
  void viewsShareTheFloatBuffersMemoryWhereTheJvmAllowsIt() {
    ByteBuffer backing = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
    FloatBuffer floats = backing.position(8).slice().order(ByteOrder.nativeOrder()).asFloatBuffer();
    ByteBuffer view = DirectBytes.view(floats);
    assertNotNull(view, "the test JVM runs with --add-opens java.base/java.nio, as Orca's do");
    assertEquals(floats.capacity() * 4, view.capacity());
    view.putFloat(4, 2.5f);
    assertEquals(2.5f, floats.get(1), "a write through the view lands in the float buffer");
    floats.put(3, -7f);
    assertEquals(-7f, view.getFloat(12));
    assertEquals(2.5f, backing.getFloat(8 + 4), "and the slice offset is respected");
  }

  @Test
  void buffersWhoseBytesAreNotTheWireFormatAreNotViewed() {
    assertNull(DirectBytes.view(FloatBuffer.allocate(4)), "heap");
    FloatBuffer swapped =
        ByteBuffer.allocateDirect(16)
            .order(
                ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN
                    ? ByteOrder.LITTLE_ENDIAN
                    : ByteOrder.BIG_ENDIAN)
            .asFloatBuffer();
    assertNull(DirectBytes.view(swapped), "non-native byte order");
  }
}
