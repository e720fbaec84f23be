"""Every word of the interface in English, French and Arabic, one table per part of the site.

Each table maps a language code to its words; every table has the same keys in every
language (a test checks it). Messages of the SHACL shapes come from the shapes themselves,
not from here.
"""

from __future__ import annotations

#: the languages of the interface, with their names in themselves
LANGS = ("en", "fr", "ar")
LANG_NAMES = (("en", "English"), ("fr", "Français"), ("ar", "العربية"))

#: the navigation and home page
SITE: dict[str, dict[str, str]] = {
    "en": {"home": "Home", "query": "Query", "contribute": "Contribute", "api": "API",
           "void": "Dataset description", "site": "site",
           "title": "Open Government Partnership knowledge graph",
           "intro": "Governments — national OGP members and OGP Local members such as "
                    "Moroccan regions —, their action plans and commitments, the Steering "
                    "Committee, events and awards, from news articles and OGP's own pages. "
                    "Every fact sits in the named graph of the source it comes from, so that "
                    "what each source says, and where sources disagree, can be asked for.",
           "data_version": "Data version", "governments": "governments",
           "plans": "action plans", "commitments": "commitments", "events": "events",
           "triples": "triples", "graphs": "sources (graphs)",
           "h_governments": "Governments", "h_plans": "Action plans", "h_events": "Events",
           "examples": "Example queries",
           "examples_intro": "Each runs in one click on the query page, or as JSON or CSV "
                             "from its own URL.",
           "machines": "For machines", "endpoint": "SPARQL endpoint",
           "dump": "dump (N-Quads)", "canned": "canned queries", "openapi": "OpenAPI",
           "query_title": "Query the knowledge graph", "download_result": "Download this result",
           "share": "Link to this query"},
    "fr": {"home": "Accueil", "query": "Requête", "contribute": "Contribuer", "api": "API",
           "void": "Description du jeu de données", "site": "site",
           "title": "Graphe de connaissances du Partenariat pour un gouvernement ouvert",
           "intro": "Les gouvernements — membres nationaux du PGO et membres de PGO Local "
                    "comme les régions marocaines —, leurs plans d'action et engagements, le "
                    "comité directeur, les événements et les prix, tirés d'articles de presse "
                    "et des pages du PGO. Chaque fait est rangé dans le graphe nommé de sa "
                    "source : on peut demander ce que dit chaque source, et où les sources "
                    "divergent.",
           "data_version": "Version des données", "governments": "gouvernements",
           "plans": "plans d'action", "commitments": "engagements", "events": "événements",
           "triples": "triplets", "graphs": "sources (graphes)",
           "h_governments": "Gouvernements", "h_plans": "Plans d'action",
           "h_events": "Événements", "examples": "Exemples de requêtes",
           "examples_intro": "Chacune se lance d'un clic sur la page de requête, ou en JSON "
                             "ou CSV depuis sa propre adresse.",
           "machines": "Pour les machines", "endpoint": "Point d'accès SPARQL",
           "dump": "export (N-Quads)", "canned": "requêtes prêtes", "openapi": "OpenAPI",
           "query_title": "Interroger le graphe de connaissances",
           "download_result": "Télécharger ce résultat", "share": "Lien vers cette requête"},
    "ar": {"home": "الرئيسية", "query": "استعلام", "contribute": "المساهمة",
           "api": "واجهة البرمجة", "void": "وصف مجموعة البيانات", "site": "الموقع",
           "title": "الرسم المعرفي لشراكة الحكومة المنفتحة",
           "intro": "الحكومات — الأعضاء الوطنيون في الشراكة وأعضاء الشراكة المحلية مثل "
                    "الجهات المغربية — وخطط عملها والتزاماتها، واللجنة التوجيهية، والفعاليات "
                    "والجوائز، من المقالات الإخبارية ومن صفحات الشراكة. كل معلومة محفوظة في "
                    "الرسم البياني المسمى لمصدرها، حتى يمكن السؤال عما يقوله كل مصدر وعن "
                    "مواضع اختلاف المصادر.",
           "data_version": "نسخة البيانات", "governments": "حكومة", "plans": "خطة عمل",
           "commitments": "التزام", "events": "فعالية", "triples": "ثلاثية",
           "graphs": "مصدر (رسم بياني)", "h_governments": "الحكومات",
           "h_plans": "خطط العمل", "h_events": "الفعاليات", "examples": "أمثلة استعلامات",
           "examples_intro": "يُشغَّل كل منها بنقرة واحدة في صفحة الاستعلام، أو بصيغة JSON "
                             "أو CSV من عنوانه الخاص.",
           "machines": "للآلات", "endpoint": "نقطة وصول SPARQL", "dump": "تفريغ (N-Quads)",
           "canned": "استعلامات جاهزة", "openapi": "OpenAPI",
           "query_title": "استعلام الرسم المعرفي", "download_result": "تنزيل هذه النتيجة",
           "share": "رابط هذا الاستعلام"},
}

#: the page of a resource (linked data)
RESOURCE: dict[str, dict[str, str]] = {
    "en": {"types": "Types", "properties": "Statements", "incoming": "Referenced by",
           "sources": "Sources", "source": "source", "value": "value", "property": "property",
           "download": "Download", "none": "none", "more": "more not shown"},
    "fr": {"types": "Types", "properties": "Affirmations", "incoming": "Cité par",
           "sources": "Sources", "source": "source", "value": "valeur",
           "property": "propriété", "download": "Télécharger", "none": "aucun",
           "more": "autres non affichés"},
    "ar": {"types": "الأنواع", "properties": "البيانات", "incoming": "مشار إليه من",
           "sources": "المصادر", "source": "المصدر", "value": "القيمة", "property": "الخاصية",
           "download": "تنزيل", "none": "لا شيء", "more": "أخرى غير معروضة"},
}
#: month names, for dates
MONTHS: dict[str, list[str]] = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "ar": ["يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر",
           "أكتوبر", "نونبر", "دجنبر"],
}
#: units of durations (a plural "s" is added in English and French where needed)
DURATIONS: dict[str, dict[str, str]] = {
    "en": {"Y": "year", "M": "month", "D": "day"},
    "fr": {"Y": "an", "M": "mois", "D": "jour"},
    "ar": {"Y": "سنة", "M": "شهر", "D": "يوم"},
}
#: the documentation part of a term's page
TERM: dict[str, dict[str, str]] = {
    "en": {"class": "Class", "property": "Property", "concept": "Concept",
           "scheme": "Concept scheme", "definition": "Definition", "super": "Subclass of",
           "sub": "Subclasses", "domain_of": "Properties of its instances",
           "range_of": "Properties whose values are of this class", "rules": "Rules (SHACL)",
           "rule": "rule", "count": "count", "severity": "severity", "instances": "Instances",
           "uses": "Uses", "all": "see them all with a query", "domain": "Domain",
           "range": "Range", "super_prop": "Subproperty of", "used_by": "Used by rules",
           "in_scheme": "In scheme", "broader": "Broader", "narrower": "Narrower",
           "concepts": "Concepts", "referenced": "Referred to by", "none": "none",
           "documentation": "Documentation", "for_class": "for"},
    "fr": {"class": "Classe", "property": "Propriété", "concept": "Concept",
           "scheme": "Schéma de concepts", "definition": "Définition",
           "super": "Sous-classe de", "sub": "Sous-classes",
           "domain_of": "Propriétés de ses instances",
           "range_of": "Propriétés dont les valeurs sont de cette classe",
           "rules": "Règles (SHACL)", "rule": "règle", "count": "nombre",
           "severity": "gravité", "instances": "Instances", "uses": "Utilisations",
           "all": "toutes les voir avec une requête", "domain": "Domaine",
           "range": "Portée", "super_prop": "Sous-propriété de",
           "used_by": "Utilisée par les règles", "in_scheme": "Dans le schéma",
           "broader": "Plus général", "narrower": "Plus spécifiques",
           "concepts": "Concepts", "referenced": "Cité par", "none": "aucun",
           "documentation": "Documentation", "for_class": "pour"},
    "ar": {"class": "صنف", "property": "خاصية", "concept": "مفهوم",
           "scheme": "مخطط مفاهيم", "definition": "التعريف", "super": "صنف فرعي من",
           "sub": "الأصناف الفرعية", "domain_of": "خصائص مثيلاته",
           "range_of": "خصائص قيمها من هذا الصنف", "rules": "القواعد (SHACL)",
           "rule": "القاعدة", "count": "العدد", "severity": "الخطورة",
           "instances": "المثيلات", "uses": "الاستعمالات", "all": "عرضها كلها باستعلام",
           "domain": "المجال", "range": "المدى", "super_prop": "خاصية فرعية من",
           "used_by": "تستعملها القواعد", "in_scheme": "ضمن المخطط",
           "broader": "أعم", "narrower": "أخص", "concepts": "المفاهيم",
           "referenced": "مشار إليه من", "none": "لا شيء", "documentation": "التوثيق",
           "for_class": "لـ"},
}
#: the contribution pages
CONTRIBUTE: dict[str, dict[str, str]] = {
    "en": {
        "upload_title": "Check and contribute a dataset",
        "intro": "Upload RDF (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) or a filled "
                 "CSV template. It is checked against the SHACL shapes together with the "
                 "ontology and the data already here; nothing is written. When it conforms, "
                 "it can be published with the write token.",
        "file": "File", "format": "Format", "by_name": "from the file name",
        "lang": "Language of the report", "check": "Check", "templates": "CSV templates",
        "template_cols": "columns", "required": "required",
        "cannot_read": "The file could not be read; nothing was checked or written.",
        "not_kept": "The file was not checked or kept; nothing was written.",
        "csv_template": "CSV template (from its header)",
        "problems": "Problems", "row": "row", "column": "column",
        "uploaded": "Uploaded", "triples": "triples", "download": "Download the report",
        "results": "Results", "your_data": "What the file says about each focus node",
        "in_dataset": "in the dataset", "new_node": "new",
        "publish": "Publish", "contributor": "Your name or organisation",
        "token": "Write token", "publish_help": "Publishing validates the file again against "
        "the data as it is now and writes it, with you as its contributor, into a graph of "
        "its own.",
        "no_token": "Publishing is turned off on this server (no write token is set).",
        "not_conforming": "This file does not conform: it cannot be published. Fix the "
                          "violations listed above and check it again. Nothing was written.",
        "published": "Published", "published_as": "Published as graph",
        "version": "data version", "by": "by", "again": "Check another file",
        "more_nodes": "more focus nodes not shown", "more_triples": "more not shown",
    },
    "fr": {
        "upload_title": "Vérifier et contribuer un jeu de données",
        "intro": "Déposez du RDF (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) ou un "
                 "modèle CSV rempli. Il est vérifié avec les formes SHACL, l'ontologie et les "
                 "données déjà présentes ; rien n'est écrit. S'il est conforme, il peut être "
                 "publié avec le jeton d'écriture.",
        "file": "Fichier", "format": "Format", "by_name": "d'après le nom du fichier",
        "lang": "Langue du rapport", "check": "Vérifier", "templates": "Modèles CSV",
        "template_cols": "colonnes", "required": "obligatoire",
        "cannot_read": "Le fichier n'a pas pu être lu ; rien n'a été vérifié ni écrit.",
        "not_kept": "Le fichier n'a été ni vérifié ni gardé ; rien n'a été écrit.",
        "csv_template": "modèle CSV (d'après son en-tête)",
        "problems": "Problèmes", "row": "ligne", "column": "colonne",
        "uploaded": "Déposé", "triples": "triplets", "download": "Télécharger le rapport",
        "results": "Résultats", "your_data": "Ce que dit le fichier de chaque nœud examiné",
        "in_dataset": "dans le jeu de données", "new_node": "nouveau",
        "publish": "Publier", "contributor": "Votre nom ou organisation",
        "token": "Jeton d'écriture", "publish_help": "La publication vérifie à nouveau le "
        "fichier avec les données actuelles puis l'écrit, avec vous comme contributeur, "
        "dans un graphe qui lui est propre.",
        "no_token": "La publication est désactivée sur ce serveur (aucun jeton d'écriture).",
        "not_conforming": "Ce fichier n'est pas conforme : il ne peut pas être publié. "
                          "Corrigez les violations ci-dessus et vérifiez-le à nouveau. Rien "
                          "n'a été écrit.",
        "published": "Publié", "published_as": "Publié comme graphe",
        "version": "version des données", "by": "par", "again": "Vérifier un autre fichier",
        "more_nodes": "autres nœuds non affichés", "more_triples": "autres non affichés",
    },
    "ar": {
        "upload_title": "التحقق من مجموعة بيانات والمساهمة بها",
        "intro": "ارفع ملف RDF (Turtle وTriG وN-Triples وN-Quads وJSON-LD وRDF/XML) أو "
                 "نموذج CSV معبأ. يُفحص الملف وفق أشكال SHACL مع الأنطولوجيا والبيانات "
                 "الموجودة، ولا يُكتب شيء. إذا كان مطابقًا أمكن نشره برمز الكتابة.",
        "file": "الملف", "format": "الصيغة", "by_name": "حسب اسم الملف",
        "lang": "لغة التقرير", "check": "تحقق", "templates": "نماذج CSV",
        "template_cols": "الأعمدة", "required": "إلزامي",
        "cannot_read": "تعذرت قراءة الملف؛ لم يُفحص أو يُكتب أي شيء.",
        "not_kept": "لم يُفحص الملف ولم يُحفظ؛ لم يُكتب أي شيء.",
        "csv_template": "نموذج CSV (حسب سطر العناوين)",
        "problems": "المشاكل", "row": "السطر", "column": "العمود",
        "uploaded": "تاريخ الرفع", "triples": "ثلاثية", "download": "تنزيل التقرير",
        "results": "النتائج", "your_data": "ما يقوله الملف عن كل عقدة مفحوصة",
        "in_dataset": "في مجموعة البيانات", "new_node": "جديد",
        "publish": "نشر", "contributor": "اسمك أو اسم مؤسستك",
        "token": "رمز الكتابة", "publish_help": "يعيد النشر فحص الملف وفق البيانات الحالية ثم "
        "يكتبه، باسمك مساهمًا، في رسم بياني خاص به.",
        "no_token": "النشر معطل على هذا الخادم (لم يُضبط رمز الكتابة).",
        "not_conforming": "هذا الملف غير مطابق ولا يمكن نشره. صحح المخالفات المذكورة أعلاه "
                          "ثم أعد فحصه. لم يُكتب أي شيء.",
        "published": "نُشر", "published_as": "نُشر بوصفه الرسم البياني",
        "version": "نسخة البيانات", "by": "من طرف", "again": "فحص ملف آخر",
        "more_nodes": "عقد أخرى غير معروضة", "more_triples": "أخرى غير معروضة",
    },
}
#: the validation report
REPORT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Validation report", "conforms": "conforms",
        "not_conforms": "does not conform", "violations": "violation(s)",
        "warnings": "warning(s)", "infos": "info(s)", "focus_nodes": "focus node(s)",
        "shapes": "shape(s)", "Violation": "Violation", "Warning": "Warning", "Info": "Info",
        "focus": "Focus node", "path": "path", "value": "value", "message": "message",
        "location": "Where", "engine": "engine", "none": "No problems found.",
        "sep": ", ", "row": "row", "line": "line", "column": "column",
    },
    "fr": {
        "title": "Rapport de validation", "conforms": "conforme",
        "not_conforms": "non conforme", "violations": "violation(s)",
        "warnings": "avertissement(s)", "infos": "information(s)",
        "focus_nodes": "nœud(s) examiné(s)", "shapes": "forme(s)", "Violation": "Violation",
        "Warning": "Avertissement", "Info": "Information", "focus": "Nœud", "path": "chemin",
        "value": "valeur", "message": "message", "location": "Emplacement",
        "engine": "moteur", "none": "Aucun problème trouvé.", "sep": ", ",
        "row": "ligne", "line": "ligne", "column": "colonne",
    },
    "ar": {
        "title": "تقرير التحقق", "conforms": "مطابق", "not_conforms": "غير مطابق",
        "violations": "مخالفة", "warnings": "تنبيه", "infos": "ملاحظة",
        "focus_nodes": "عقدة مفحوصة", "shapes": "شكل", "Violation": "مخالفة",
        "Warning": "تنبيه", "Info": "ملاحظة", "focus": "العقدة", "path": "المسار",
        "value": "القيمة", "message": "الرسالة", "location": "الموضع", "engine": "المحرك",
        "none": "لم يُعثر على أي مشكلة.", "sep": "، ", "row": "الصف", "line": "السطر",
        "column": "العمود",
    },
}

#: every table whose values are words, by name
TABLES: dict[str, dict[str, dict[str, str]]] = {
    "site": SITE, "resource": RESOURCE, "durations": DURATIONS, "term": TERM,
    "contribute": CONTRIBUTE, "report": REPORT,
}


def words(table: dict[str, dict[str, str]], lang: str) -> dict[str, str]:
    """The words of ``table`` in ``lang`` (English for a language the interface lacks)."""
    return table.get(lang, table["en"])
