package dev.leap4j.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelLocatorTest {
    @TempDir
    Path tmp;

    @Test
    void unknownNameListsTheBuiltInModels() {
        for (String spec : new String[]{"all-minilm-l12-v2", "", "  "}) {
            String m = assertThrows(IllegalArgumentException.class, () -> ModelLocator.resolve(spec, tmp)).getMessage();
            for (BuiltinModel b : BuiltinModel.values()) assertTrue(m.contains(b.id), m);
        }
        assertThrows(IllegalArgumentException.class, () -> ModelLocator.resolve(null, tmp));
    }

    @Test
    void aFolderResolvesToItselfAndNamesAreCaseInsensitive() throws IOException {
        assertEquals(tmp, ModelLocator.resolve(tmp.toString(), tmp.resolve("cache")));
        assertSame(BuiltinModel.BGE_SMALL_EN_V15, BuiltinModel.byName(" BGE-Small-EN-v1.5 "));
        assertNull(BuiltinModel.byName("bge"));
    }
}
