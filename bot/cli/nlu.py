"""`frontdoor nlu ...`: train, test and try the classifier on any Rasa-format NLU data."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bot.settings import Settings
from nlu.rasa_data import load_training_data
from nlu.result import ConfidencePolicy, NLUBackend, ParseResult

nlu_app = typer.Typer(help="The intent classifier.", no_args_is_help=True)
console = Console()


@nlu_app.command("train")
def nlu_train(
    data: Annotated[list[Path] | None, typer.Option("--data", help="Rasa NLU YAML file; repeatable.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the model.")] = Path("models/nlu.pkl"),
) -> None:
    """Train the embedded classifier from Rasa-format NLU data."""

    from nlu.embedded import EmbeddedClassifier  # scikit-learn: loaded only by the commands that train

    training = load_training_data(data or Settings().nlu_data)
    EmbeddedClassifier.train(training).save(out)
    console.print(f"trained on {len(training.examples)} examples, {len(training.intents)} intents -> {out}")


ModelOption = Annotated[Path | None, typer.Option("--model", help="A model from `nlu train` (default: settings).")]


@nlu_app.command("parse")
def nlu_parse(
    text: Annotated[str | None, typer.Argument(help="One message; without it, one message per stdin line.")] = None,
    model: ModelOption = None,
) -> None:
    """Print one JSON object per message in the shape of Rasa's /model/parse."""
    settings = Settings()
    classifier, policy = _classifier(settings, model), settings.confidence_policy()
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        if line.strip():
            print(json.dumps(parse_json(policy.apply(classifier.parse(line))), ensure_ascii=False), flush=True)


@nlu_app.command("test")
def nlu_test(
    data: Annotated[list[Path], typer.Option("--data", help="Rasa NLU YAML file with the test examples.")],
    model: ModelOption = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the reports.")] = Path("results"),
) -> None:
    """Evaluate intents like `rasa test nlu`: intent_report.json, intent_errors.json, confusion matrix PNG."""
    from nlu.evaluation import evaluate, fallback_summary, write_reports

    settings = Settings()
    classifier = _classifier(settings, model)
    examples = load_training_data(data).examples
    evaluation = evaluate(classifier, examples)
    written = write_reports(evaluation, out)
    unsure = fallback_summary(evaluate(_WithPolicy(classifier, settings.confidence_policy()), examples))
    report = evaluation.report
    table = Table("intent", "precision", "recall", "f1-score", "support")
    for label in evaluation.labels:
        row = report[label]
        table.add_row(label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1-score']:.3f}",
                      str(row["support"]))
    console.print(table)
    console.print(f"accuracy {evaluation.accuracy:.4f}, macro F1 {report['macro avg']['f1-score']:.4f} "
                  f"on {len(examples)} examples")
    console.print(f"with the confidence policy: {unsure['fallback']} not sure (asked back), "
                  f"{unsure['confident_wrong']} confidently wrong")
    console.print("wrote " + ", ".join(map(str, written)))


def parse_json(result: ParseResult) -> dict[str, Any]:
    return {
        "text": result.text, "intent": asdict(result.intent),
        "intent_ranking": [asdict(s) for s in result.ranking[:10]],
        "entities": [asdict(e) for e in result.entities],
    }


def _classifier(settings: Settings, model: Path | None) -> NLUBackend:
    from bot.runtime import load_classifier

    if model is not None and not model.is_file():
        raise typer.BadParameter(f"no model at {model}", param_hint="--model")
    return load_classifier(settings.nlu_data, model or settings.nlu_model)


@dataclass(frozen=True)
class _WithPolicy:
    """The classifier as the pipeline uses it: below the threshold, 'not sure'."""

    backend: NLUBackend
    policy: ConfidencePolicy

    def parse(self, text: str) -> ParseResult:
        return self.policy.apply(self.backend.parse(text))


@nlu_app.command("export-rasa")
def nlu_export_rasa(
    target: Annotated[Path, typer.Argument(help="Folder for the Rasa project (config.yml, domain.yml, data/).")],
    data: Annotated[list[Path] | None, typer.Option("--data", help="Rasa NLU YAML file; repeatable.")] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="DIETClassifier training epochs.")] = 100,
) -> None:
    """Write a Rasa 3.6 project from the NLU data, ready for `rasa train nlu`."""
    from nlu.rasa_export import export_rasa_project

    training = load_training_data(data or Settings().nlu_data)
    export_rasa_project(training, target, epochs)
    console.print(f"wrote a Rasa project to {target}: {len(training.examples)} examples, "
                  f"{len(training.intents)} intents, DIET {epochs} epochs")
