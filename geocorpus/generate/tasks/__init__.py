"""Generation tasks: GeoSignal-style, GeoCode-SFT-style and eval-set prompts, parsers and unit cutting."""
