"""`frontdoor nlu ...`: train, test and try the classifier on any Rasa-format NLU data."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.settings import Settings

nlu_app = typer.Typer(help="The intent classifier.", no_args_is_help=True)
console = Console()


@nlu_app.command("train")
def nlu_train(
    data: Annotated[list[Path] | None, typer.Option("--data", help="Rasa NLU YAML file; repeatable.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the model.")] = Path("models/nlu.pkl"),
) -> None:
    """Train the embedded classifier from Rasa-format NLU data."""
    from nlu.embedded import EmbeddedClassifier
    from nlu.rasa_data import load_training_data

    training = load_training_data(data or Settings().nlu_data)
    EmbeddedClassifier.train(training).save(out)
    console.print(f"trained on {len(training.examples)} examples, {len(training.intents)} intents -> {out}")


@nlu_app.command("parse")
def nlu_parse(text: str) -> None:
    """Print what the classifier makes of TEXT, as JSON in Rasa's /model/parse shape."""
    from bot.runtime import load_classifier
    from nlu.result import apply_fallback

    settings = Settings()
    result = apply_fallback(load_classifier(settings.nlu_data, settings.nlu_model).parse(text),
                            settings.fallback_threshold)
    console.print_json(json.dumps({
        "text": result.text, "intent": asdict(result.intent),
        "intent_ranking": [asdict(s) for s in result.ranking[:5]],
        "entities": [asdict(e) for e in result.entities],
    }, ensure_ascii=False))
