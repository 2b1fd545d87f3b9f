package dev.orca.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Each test gets its own allocator under Orca's root; a test that leaves memory in it fails. */
abstract class AllocatorTest {
  BufferAllocator allocator;

  @BeforeEach
  void openAllocator() {
    allocator = ArrowMemory.root().newChildAllocator("test", 0, Long.MAX_VALUE);
  }

  @AfterEach
  void nothingLeaks() {
    assertEquals(0, allocator.getAllocatedMemory(), allocator.toVerboseString());
    allocator.close();
  }
}
