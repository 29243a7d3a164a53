from django.conf import settings
from django.shortcuts import get_object_or_404, render

from peersite.blog.models import Article


def article_detail(request, slug):
    article = get_object_or_404(Article, slug=slug)
    return render(request, f"blog/article_{settings.PEER}.html", {"article": article})
