"""Allow links to well-known news, public-body and science sources.

Readers of a news site cite their sources; the spam sets the model learned
from taught it that a link is a sign of spam ("AP fact check:
https://apnews.com/..." scored 1.0). Links to allowed domains are taken out
of the text before the link checker and the model look at it. Editors
manage the list in the admin (Domain rules); these rows are a starting
point, marked in their note, and an existing rule for a domain is kept.
"""

from django.db import migrations

SEED_NOTE = "Seeded: well-known source (remove if your newsroom disagrees)"

# A rule covers subdomains: "gov.uk" covers www.ons.gov.uk.
DOMAINS = """
    apnews.com reuters.com afp.com bbc.co.uk bbc.com theguardian.com ft.com economist.com
    nytimes.com washingtonpost.com wsj.com bloomberg.com npr.org pbs.org cnn.com nbcnews.com
    cbsnews.com abcnews.go.com politico.com politico.eu axios.com propublica.org
    independent.co.uk telegraph.co.uk thetimes.com thetimes.co.uk news.sky.com channel4.com itv.com
    irishtimes.com rte.ie cbc.ca abc.net.au aljazeera.com dw.com france24.com euronews.com
    lemonde.fr spiegel.de zeit.de elpais.com corriere.it nos.nl yle.fi svt.se nrk.no
    kyivindependent.com meduza.io bellingcat.com understandingwar.org
    fullfact.org snopes.com factcheck.org politifact.com
    gov.uk nhs.uk ac.uk parliament.uk police.uk judiciary.uk bailii.org electoralcommission.org.uk
    gov.ie oireachtas.ie gc.ca gov.au govt.nz europa.eu
    cdc.gov nih.gov census.gov bls.gov congress.gov supremecourt.gov senate.gov house.gov
    whitehouse.gov state.gov fda.gov noaa.gov nasa.gov federalreserve.gov
    who.int un.org nato.int imf.org worldbank.org oecd.org icrc.org unhcr.org
    wikipedia.org doi.org arxiv.org nature.com science.org thelancet.com bmj.com nejm.org
    ourworldindata.org ifs.org.uk
""".split()


def seed(apps, schema_editor):
    DomainRule = apps.get_model("comments", "DomainRule")
    existing = set(DomainRule.objects.filter(domain__in=DOMAINS).values_list("domain", flat=True))
    DomainRule.objects.bulk_create(
        DomainRule(domain=d, action="allow", note=SEED_NOTE) for d in DOMAINS if d not in existing
    )


def unseed(apps, schema_editor):
    DomainRule = apps.get_model("comments", "DomainRule")
    DomainRule.objects.filter(domain__in=DOMAINS, action="allow", note=SEED_NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("comments", "0045_simhash_bands")]
    operations = [migrations.RunPython(seed, unseed)]
