"""BibTeX of the works whose data recipes geocorpus follows, printed in every dataset card."""

BIBTEX = r"""
@inproceedings{deng2024k2,
  title     = {K2: A Foundation Language Model for Geoscience Knowledge Understanding and Utilization},
  author    = {Deng, Cheng and Zhang, Tianhang and He, Zhongmou and Xu, Yi and Chen, Qiyuan and Shi, Yuanyuan and
               Fu, Luoyi and Zhang, Weinan and Wang, Xinbing and Zhou, Chenghu and Lin, Zhouhan and He, Junxian},
  booktitle = {Proceedings of the 17th ACM International Conference on Web Search and Data Mining (WSDM '24)},
  year      = {2024},
  publisher = {ACM},
  doi       = {10.1145/3616855.3635772}
}

@article{hou2025geocodegpt,
  title   = {GeoCode-GPT: A Large Language Model for Geospatial Code Generation},
  author  = {Hou, Shuyang and Shen, Zhangxiao and Zhao, Anqi and Liang, Jianyuan and Gui, Zhipeng and
             Guan, Xuefeng and Li, Rui and Wu, Huayi},
  journal = {International Journal of Applied Earth Observation and Geoinformation},
  year    = {2025},
  doi     = {10.1016/j.jag.2025.104456}
}

@article{chen2025jiuzhou,
  title   = {JiuZhou: Open Foundation Language Models and Effective Pre-training Framework for Geoscience},
  author  = {Chen, Zhou and Lin, Ming and Zang, Mingrun and Wang, Zimeng and Li, Juanzi and Bai, Yuqi},
  journal = {International Journal of Digital Earth},
  volume  = {18},
  number  = {1},
  pages   = {2449708},
  year    = {2025},
  doi     = {10.1080/17538947.2025.2449708}
}
"""
