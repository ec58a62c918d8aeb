"""Take-away documents: a case report for one image (PDF or HTML) and a model card."""

import argparse
from pathlib import Path
from typing import Any

from core.cli.shared import Parents
from core.errors import MedLensError


def register(sub, parents: Parents) -> None:
    from core.explain.base import METHODS
    from core.report.case import DEFAULT_METHODS

    p = sub.add_parser("report", parents=[parents.json, parents.seed], help="a one-page case report for an image")
    p.add_argument("--model", required=True)
    p.add_argument("--image", required=True, help="PNG, JPEG, TIFF or DICOM")
    p.add_argument("--out", required=True, help="case.pdf or case.html")
    p.add_argument("--notes", default="", help="the clinician's or student's notes, as plain text")
    p.add_argument("--methods", default=",".join(DEFAULT_METHODS), help=f"up to 3 of {', '.join(METHODS.names)}")
    p.add_argument("--compare", help="another stored model (e.g. a compressed one) to answer beside")
    p.add_argument("--frame", type=int, default=0)
    p.add_argument("--window", help="CENTER,WIDTH in the file's units")
    p.add_argument("--preset", help="a window preset: lung, mediastinum, bone, brain, soft tissue")
    p.set_defaults(handler=case_report)
    card = sub.add_parser("card", parents=[parents.json], help="a stored model's model card (Markdown or HTML)")
    card.add_argument("--model", required=True)
    card.add_argument("--out", help="card.md or card.html (default: Markdown on stdout)")
    card.set_defaults(handler=model_card)


def case_report(args: argparse.Namespace) -> dict[str, Any]:
    from core.cli.cases import window_of
    from core.data import load
    from core.data.square import rule_name
    from core.explain.base import METHODS
    from core.explain.service import training_background
    from core.inputs.files import read_user_file
    from core.inputs.images import fit_to, read_image, render
    from core.models import store
    from core.report import case, html, pdf
    from core.storage import atomic_write

    out = Path(args.out)
    renderers = {".pdf": pdf.render, ".html": html.render}
    if out.suffix.lower() not in renderers:
        raise MedLensError(f"--out must end in .pdf or .html, got {out.name!r}.")
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    for method in methods:
        METHODS.get(method)
    meta = store.read_meta(args.model)
    dataset = load(meta.dataset, meta.size)
    decoded = read_image(read_user_file(Path(args.image)))
    window = window_of(args) or decoded.window
    rendered = render(decoded, args.frame, window)
    image = fit_to(rendered, dataset.image_shape, dataset.squaring)
    facts = {
        "format": decoded.format.upper(),
        "window": f"W {window.width:g} / L {window.center:g}",
        "made square by": rule_name(dataset.squaring),
    }
    report = case.build(
        args.model,
        image,
        list(dataset.class_names),
        dataset.title,
        facts,
        methods=methods,
        notes=args.notes,
        compare_id=args.compare,
        background=training_background(dataset, seed=args.seed),
        seed=args.seed,
        source=rendered,
    )
    atomic_write(out, renderers[out.suffix.lower()](report))
    if not args.json:
        print(f"{report.answer['predicted']} ({report.answer['probability']:.1%}); report written to {out}")
    return {
        "out": str(out),
        "predicted": report.answer["predicted"],
        "in_domain": (report.domain or {}).get("in_domain"),
    }


def model_card(args: argparse.Namespace) -> dict[str, Any]:
    from core.report import card
    from core.storage import atomic_write

    if args.out is None:
        text = card.markdown(args.model)
        if not args.json:
            print(text)
        return {"model_id": args.model, "markdown": text}
    out = Path(args.out)
    renderers = {".md": card.markdown, ".html": card.html}
    if out.suffix.lower() not in renderers:
        raise MedLensError(f"--out must end in .md or .html, got {out.name!r}.")
    atomic_write(out, renderers[out.suffix.lower()](args.model))
    return {"model_id": args.model, "out": str(out)}
