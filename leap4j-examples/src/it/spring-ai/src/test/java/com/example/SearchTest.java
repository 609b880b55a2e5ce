package com.example;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SearchTest {
    @Test
    void theReadmeConfigurationRanksTheEiffelTowerFirst() {
        SpringApplication app = new SpringApplication(SearchApp.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        try (var context = app.run()) {
            Search search = context.getBean(Search.class);
            search.index(List.of(
                    "Mitosis is how one cell divides into two identical daughter cells.",
                    "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris.",
                    "The central bank raised interest rates by half a percentage point."));
            var hits = search.find("where is the Eiffel Tower?");
            assertEquals("The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris.", hits.getFirst().getText());
            assertEquals(3, hits.size());
        }
    }
}
