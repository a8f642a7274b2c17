"""Our classifier behind Rasa's `POST /model/parse`, so the benchmark times both over the same HTTP.

    python -m bench.embedded_server --port PORT --data nlu/data/nlu.yml

It trains at start-up (public API only: `EmbeddedClassifier.train`, `.parse`); `GET /status`
answers once it is ready.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from nlu.embedded import EmbeddedClassifier
from nlu.rasa_data import load_training_data


class ParseRequest(BaseModel):
    text: str


def create_app(classifier: EmbeddedClassifier) -> FastAPI:
    app = FastAPI(title="embedded classifier")

    # async, like Rasa's own handler: the model runs on the event loop, with no thread hand-off.
    @app.post("/model/parse")
    async def parse(request: ParseRequest) -> dict[str, Any]:
        result = classifier.parse(request.text)
        return {"text": result.text, "intent": asdict(result.intent),
                "intent_ranking": [asdict(s) for s in result.ranking],
                "entities": [asdict(e) for e in result.entities]}

    @app.get("/status")
    async def status() -> dict[str, str]:
        return {"model": "embedded"}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", type=Path, action="append", required=True)
    args = parser.parse_args(argv)
    classifier = EmbeddedClassifier.train(load_training_data(args.data))
    uvicorn.run(create_app(classifier), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
